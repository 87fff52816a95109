using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RmmEdge.Rig;
using RmmEdge.Trainer.Training;
using YamlDotNet.RepresentationModel;

namespace RmmEdge.Trainer.Sweeps;

/// <summary>One data set of a sweep: what `rmm train` is given, and optionally what `rmm eval` scores.</summary>
/// <param name="Name">Short name (letters, digits, '-', '_'), used in run folders and the summary.</param>
/// <param name="Train">`rmm train` data arguments: FILE, FILE@SWEEPS or V_FILE+I_FILE.</param>
/// <param name="Test">`rmm eval` data arguments for held-out figures (reported, never used to choose), or empty.</param>
/// <param name="Options">Data options passed to both, e.g. ["--upsample", "5"].</param>
public sealed record SweepData(string Name, string[] Train, string[] Test, string[] Options);

/// <summary>One training of a sweep: a data set, a point of the grid (its overrides), a seed, and the merged configuration.</summary>
public sealed record SweepTask(int Index, SweepData Data, int Point, string Overrides, int Seed, string ConfigJson)
{
    /// <summary>The run's folder name under runs/: stable across invocations of the same sweep.</summary>
    public string Id => $"{Index:D3}-{Data.Name}-p{Point}-s{Seed}";
}

/// <summary>
/// `rmm sweep SWEEP.json|yaml`: a grid or list of trainings over data sets, seeds and overrides of any
/// <see cref="TrainingConfig"/> field (dotted paths, e.g. "teacherForcing.epochs"). Every run's configuration
/// is merged and checked before anything runs, so a bad grid is refused up front.
/// <code>
/// name: hco-seeds
/// config: base.json            # or an inline object; optional
/// data:
///   - name: clean
///     train: [hco1_clean_train.csv]
///     test: [hco1_clean_test.csv]
///     options: ["--upsample", "1"]
/// seeds: 1-6                   # or [1, 2, 3]
/// grid:                        # every combination; or "points": a list of override objects
///   teacherForcing.epochs: [100, 200]
/// parallel: 2                  # local executor: runs at a time
/// </code>
/// </summary>
public sealed class SweepSpec
{
    public required string Name { get; init; }
    public required string SourcePath { get; init; }
    public required IReadOnlyList<SweepTask> Tasks { get; init; }
    public required int Parallel { get; init; }
    public required IReadOnlyList<SweepData> Data { get; init; }

    private static readonly string[] Fields = ["name", "config", "data", "seeds", "grid", "points", "parallel"];

    public static SweepSpec Load(string path)
    {
        string text = UserFiles.ReadAllText(path, 1 << 20, "a sweep");
        JsonObject root = (path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
            ? FromYaml(text, path) : FromJson(text, path)) as JsonObject ?? throw new UserError($"{path}: expected an object with data, seeds and grid");
        foreach (string key in root.Select(p => p.Key).Where(k => !Fields.Contains(k)))
        {
            throw new UserError($"{path}: unknown field \"{UserError.Printable(key)}\" (fields: {string.Join(", ", Fields)})");
        }

        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string name = root["name"]?.GetValue<string>() ?? Path.GetFileNameWithoutExtension(path);
        CheckName(name, $"{path}: name");
        JsonObject baseConfig = BaseConfig(root["config"], dir, path);
        SweepData[] data = DataSets(root["data"], dir, path);
        int[] seeds = Seeds(root["seeds"], path);
        JsonObject[] points = Points(root["grid"], root["points"], path);
        int parallel = root["parallel"] is JsonNode p ? Whole(p, $"{path}: parallel", 1, 64) : 1;

        var tasks = new List<SweepTask>();
        foreach (SweepData d in data)
        {
            for (int point = 0; point < points.Length; point++)
            {
                foreach (int seed in seeds)
                {
                    JsonObject merged = (JsonObject)baseConfig.DeepClone();
                    foreach ((string key, JsonNode? value) in points[point])
                    {
                        Set(merged, key, value?.DeepClone(), path);
                    }

                    merged["seed"] = seed;
                    string json = merged.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
                    Check(json, $"{path}: point {point} ({points[point].ToJsonString()})");
                    tasks.Add(new SweepTask(tasks.Count, d, point, points[point].ToJsonString(), seed, json));
                }
            }
        }

        return new SweepSpec { Name = name, SourcePath = Path.GetFullPath(path), Tasks = tasks, Parallel = parallel, Data = data };
    }

    /// <summary>Refuses a merged configuration that TrainingConfig would not load or whose values it refuses, naming the grid point.</summary>
    private static void Check(string json, string where)
    {
        try
        {
            TrainingConfig.FromJson(json, "the merged configuration").Check();
        }
        catch (UserError e)
        {
            throw new UserError($"{where}: {e.Message}");
        }
    }

    /// <summary>Sets a dotted path ("teacherForcing.epochs") in a configuration object, creating the objects on the way.</summary>
    private static void Set(JsonObject target, string dotted, JsonNode? value, string path)
    {
        string[] parts = dotted.Split('.');
        JsonObject at = target;
        foreach (string part in parts[..^1])
        {
            if (at[part] is not JsonObject child)
            {
                child = new JsonObject();
                at[part] = child;
            }

            at = child;
        }

        if (parts[^1].Length == 0)
        {
            throw new UserError($"{path}: grid key \"{UserError.Printable(dotted)}\": expected a configuration field such as teacherForcing.epochs");
        }

        at[parts[^1]] = value;
    }

    private static JsonObject BaseConfig(JsonNode? node, string dir, string path) => node switch
    {
        null => new JsonObject(),
        JsonObject inline => inline,
        JsonValue v when v.TryGetValue(out string? file) =>
            FromJson(UserFiles.ReadAllText(Path.Combine(dir, file), 1 << 20, "a training configuration"), file) as JsonObject
                ?? throw new UserError($"{path}: config {file}: expected a JSON object"),
        _ => throw new UserError($"{path}: config: expected a file name or an object"),
    };

    private static SweepData[] DataSets(JsonNode? node, string dir, string path)
    {
        if (node is not JsonArray list || list.Count == 0)
        {
            throw new UserError($"{path}: data: expected a non-empty list of data sets (name, train, test)");
        }

        var sets = new List<SweepData>();
        foreach (JsonNode? item in list)
        {
            string at = $"{path}: data[{sets.Count}]";
            if (item is not JsonObject o)
            {
                throw new UserError($"{at}: expected an object with name, train and optionally test and options");
            }

            foreach (string key in o.Select(p => p.Key).Where(k => k is not ("name" or "train" or "test" or "options")))
            {
                throw new UserError($"{at}: unknown field \"{UserError.Printable(key)}\" (fields: name, train, test, options)");
            }

            string name = o["name"]?.GetValue<string>() ?? throw new UserError($"{at}: name missing");
            CheckName(name, $"{at}.name");
            if (sets.Any(s => s.Name == name))
            {
                throw new UserError($"{at}: the name {name} is used twice");
            }

            string[] train = Strings(o["train"], $"{at}.train");
            if (train.Length == 0)
            {
                throw new UserError($"{at}.train: expected at least one recording");
            }

            sets.Add(new SweepData(name, train.Select(f => Resolve(f, dir)).ToArray(),
                Strings(o["test"], $"{at}.test").Select(f => Resolve(f, dir)).ToArray(), Strings(o["options"], $"{at}.options")));
        }

        return [.. sets];
    }

    /// <summary>A data argument relative to the sweep file's folder (FILE, FILE@SWEEPS, V+I keep their shape).</summary>
    private static string Resolve(string argument, string dir) =>
        string.Join('+', argument.Split('+').Select(part => Path.IsPathRooted(part) ? part : Path.Combine(dir, part)));

    private static int[] Seeds(JsonNode? node, string path)
    {
        int[] seeds = node switch
        {
            null => [1],
            JsonArray a => a.Select(s => s is null ? throw new UserError($"{path}: seeds: null") : Whole(s, $"{path}: seeds", 0, int.MaxValue)).ToArray(),
            JsonValue v when v.TryGetValue(out string? range) => Range(range, path),
            JsonValue v => [Whole(v, $"{path}: seeds", 0, int.MaxValue)],
            _ => throw new UserError($"{path}: seeds: expected a list or a range such as 1-6"),
        };
        if (seeds.Length == 0 || seeds.Distinct().Count() != seeds.Length)
        {
            throw new UserError($"{path}: seeds: expected at least one seed, each once");
        }

        return seeds;
    }

    /// <summary>"1-6" → 1…6; "3" → 3.</summary>
    public static int[] Range(string text, string what)
    {
        string[] parts = text.Split('-');
        if (parts.Length is 1 or 2 && parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            int first = int.Parse(parts[0], CultureInfo.InvariantCulture), last = int.Parse(parts[^1], CultureInfo.InvariantCulture);
            if (last >= first && last - first < 1000)
            {
                return Enumerable.Range(first, last - first + 1).ToArray();
            }
        }

        throw new UserError($"{what}: seeds '{UserError.Printable(text)}'; expected a range such as 1-6");
    }

    private static JsonObject[] Points(JsonNode? grid, JsonNode? points, string path)
    {
        if (grid is not null && points is not null)
        {
            throw new UserError($"{path}: give grid or points, not both");
        }

        if (points is not null)
        {
            if (points is not JsonArray list || list.Count == 0 || list.Any(p => p is not JsonObject))
            {
                throw new UserError($"{path}: points: expected a non-empty list of override objects");
            }

            return list.Select(p => (JsonObject)p!.DeepClone()).ToArray();
        }

        if (grid is null)
        {
            return [new JsonObject()];
        }

        if (grid is not JsonObject axes)
        {
            throw new UserError($"{path}: grid: expected an object of field: [values]");
        }

        var combinations = new List<JsonObject> { new() };
        foreach ((string key, JsonNode? values) in axes)
        {
            if (values is not JsonArray list || list.Count == 0)
            {
                throw new UserError($"{path}: grid.{UserError.Printable(key)}: expected a non-empty list of values");
            }

            combinations = combinations.SelectMany(c => list.Select(v =>
            {
                JsonObject next = (JsonObject)c.DeepClone();
                next[key] = v?.DeepClone();
                return next;
            })).ToList();
        }

        return [.. combinations];
    }

    private static string[] Strings(JsonNode? node, string at) => node switch
    {
        null => [],
        JsonArray a => a.Select(s => s is JsonValue v && v.TryGetValue(out string? text) ? text : throw new UserError($"{at}: expected strings")).ToArray(),
        JsonValue v when v.TryGetValue(out string? one) => [one],
        _ => throw new UserError($"{at}: expected a string or a list of strings"),
    };

    private static int Whole(JsonNode node, string at, int min, int max)
    {
        if (node is JsonValue v && v.TryGetValue(out int i) && i >= min && i <= max)
        {
            return i;
        }

        throw new UserError($"{at}: {UserError.Printable(node.ToJsonString())}; expected a whole number {min}–{max}");
    }

    private static void CheckName(string name, string at)
    {
        if (name.Length is 0 or > 40 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new UserError($"{at}: '{UserError.Printable(name)}'; expected 1–40 letters, digits, '-' or '_'");
        }
    }

    private static JsonNode? FromJson(string text, string path)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new UserError($"{path}: not valid JSON: {e.Message}");
        }
    }

    /// <summary>YAML to the same JSON tree: mappings, sequences, and scalars typed as JSON would type them.</summary>
    private static JsonNode? FromYaml(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new UserError($"{path}: not valid YAML: {e.Message}");
        }

        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        string value = scalar.Value ?? "";
        if (scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted)
        {
            return JsonValue.Create(value);
        }

        if (value is "null" or "~" or "")
        {
            return null;
        }

        if (value is "true" or "false")
        {
            return JsonValue.Create(value == "true");
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long whole))
        {
            return whole is >= int.MinValue and <= int.MaxValue ? JsonValue.Create((int)whole) : JsonValue.Create(whole);
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) ? JsonValue.Create(number) : JsonValue.Create(value);
    }
}
