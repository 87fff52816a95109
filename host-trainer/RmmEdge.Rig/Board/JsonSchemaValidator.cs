using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RmmEdge.Rig.Board;

/// <summary>
/// Checks a JSON document against a JSON Schema (2020-12), for the keywords our schemas use: type,
/// required, properties, additionalProperties (false), items, minItems, maxItems, enum, pattern,
/// minimum, maximum and local $ref (#/$defs/…). Unknown keywords are ignored, as the standard says.
/// Returns every violation with its JSON path, so a user fixes a profile in one go.
/// </summary>
public sealed class JsonSchemaValidator(JsonElement schema)
{
    public static JsonSchemaValidator Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new UserError($"{path}: schema not found");
        }

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        return new JsonSchemaValidator(doc.RootElement.Clone());
    }

    public List<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Check(schema, instance, "$", errors);
        return errors;
    }

    private void Check(JsonElement s, JsonElement value, string path, List<string> errors)
    {
        if (s.TryGetProperty("$ref", out JsonElement reference))
        {
            string target = reference.GetString() ?? "";
            if (!target.StartsWith("#/$defs/", StringComparison.Ordinal) || !schema.GetProperty("$defs").TryGetProperty(target[8..], out JsonElement resolved))
            {
                errors.Add($"{path}: the schema refers to '{target}', which it does not define");
                return;
            }

            Check(resolved, value, path, errors);
            return;
        }

        if (s.TryGetProperty("type", out JsonElement type) && !HasType(value, type.GetString() ?? ""))
        {
            errors.Add($"{path}: expected {type.GetString()}, found {Describe(value)}");
            return;
        }

        if (s.TryGetProperty("enum", out JsonElement options) && !options.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value)))
        {
            errors.Add($"{path}: {value.GetRawText()} is not one of {string.Join(", ", options.EnumerateArray().Select(o => o.GetRawText()))}");
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            double x = value.GetDouble();
            if (s.TryGetProperty("minimum", out JsonElement min) && x < min.GetDouble())
            {
                errors.Add($"{path}: {Format(x)} is below the minimum {Format(min.GetDouble())}");
            }

            if (s.TryGetProperty("maximum", out JsonElement max) && x > max.GetDouble())
            {
                errors.Add($"{path}: {Format(x)} is above the maximum {Format(max.GetDouble())}");
            }
        }

        if (value.ValueKind == JsonValueKind.String && s.TryGetProperty("pattern", out JsonElement pattern)
            && !Regex.IsMatch(value.GetString() ?? "", pattern.GetString() ?? ""))
        {
            errors.Add($"{path}: \"{value.GetString()}\" does not match {pattern.GetString()}");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            s.TryGetProperty("properties", out JsonElement properties);
            if (s.TryGetProperty("required", out JsonElement required))
            {
                foreach (JsonElement name in required.EnumerateArray())
                {
                    if (!value.TryGetProperty(name.GetString()!, out _))
                    {
                        errors.Add($"{path}: the required field \"{name.GetString()}\" is missing");
                    }
                }
            }

            bool closed = s.TryGetProperty("additionalProperties", out JsonElement additional) && additional.ValueKind == JsonValueKind.False;
            foreach (JsonProperty p in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(p.Name, out JsonElement ps))
                {
                    Check(ps, p.Value, $"{path}.{p.Name}", errors);
                }
                else if (closed)
                {
                    errors.Add($"{path}: unknown field \"{p.Name}\"");
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            int count = value.GetArrayLength();
            if (s.TryGetProperty("minItems", out JsonElement minItems) && count < minItems.GetInt32())
            {
                errors.Add($"{path}: {count} items, at least {minItems.GetInt32()} expected");
            }

            if (s.TryGetProperty("maxItems", out JsonElement maxItems) && count > maxItems.GetInt32())
            {
                errors.Add($"{path}: {count} items, at most {maxItems.GetInt32()} expected");
            }

            if (s.TryGetProperty("items", out JsonElement items))
            {
                int i = 0;
                foreach (JsonElement item in value.EnumerateArray())
                {
                    Check(items, item, $"{path}[{i++}]", errors);
                }
            }
        }
    }

    private static bool HasType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.String => $"the string \"{value.GetString()}\"",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Format(double x) => x.ToString("G6", CultureInfo.InvariantCulture);
}
