using System.Text.Json;
using System.Text.Json.Serialization;
using RmmEdge.Rig;

namespace RmmEdge.Trainer.Model;

/// <summary>
/// Saves and loads a trained float network as human-readable JSON (<c>.rmm.json</c>): the spec it was
/// built from, every parameter by name, and the fixed input normalisations and output scales.
/// Versioned: a file of another format version is refused with a reason, never half-read. Writes go
/// to a temporary name first and are renamed, so an interrupted save never destroys an older file.
/// </summary>
public static class ModelFile
{
    public const string Format = "rmmedge-float-model";
    public const int Version = 1;

    /// <summary>Largest model file read (64 MiB): <see cref="SpecLimits"/> allows 2 M weights, about 30 MB of JSON.</summary>
    public const long MaxFileBytes = 64L << 20;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private sealed record CurrentState(string Neuron, string Current, float[] Center, float[] Scale, float OutputScale);

    private sealed record NamedValues(string Name, float[] Values);

    private sealed record Document(string Format, int Version, NetworkSpec Spec, NamedValues[] Parameters, CurrentState[] Currents,
        Dictionary<string, string>? Notes);

    public static void Save(Network network, string path, IReadOnlyDictionary<string, string>? notes = null)
    {
        var doc = new Document(Format, Version, network.Spec,
            network.Parameters.Select(p => new NamedValues(p.Name, p.Value)).ToArray(),
            network.Currents.Select(c => new CurrentState(
                network.Spec.Neurons[c.Owner].Name, c.Name,
                c.Normalizer.Center, c.Normalizer.Scale, c is LumpedCurrent l ? l.OutputScale : 1f)).ToArray(),
            notes?.ToDictionary(n => n.Key, n => n.Value));
        UserFiles.WriteAtomically(path, JsonSerializer.Serialize(doc, Json));
    }

    public static Network Load(string path)
    {
        string text = UserFiles.ReadAllText(path, MaxFileBytes, "a float model (.rmm.json)");
        Document? doc;
        try
        {
            doc = JsonSerializer.Deserialize<Document>(text, Json);
        }
        catch (JsonException e)
        {
            throw new UserError($"{path}: not a valid RmmEdge model file (JSON error at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})", e);
        }

        if (doc is null || doc.Format != Format)
        {
            throw new UserError($"{path}: not an RmmEdge float model (expected format \"{Format}\")");
        }

        if (doc.Version != Version)
        {
            throw new UserError($"{path}: model format version {doc.Version}; this version of RmmEdge reads version {Version}");
        }

        foreach ((object? value, string field) in new (object?, string)[] { (doc.Spec, "Spec"), (doc.Parameters, "Parameters"), (doc.Currents, "Currents") })
        {
            if (value is null)
            {
                throw new UserError($"{path}: field {field} is missing");
            }
        }

        Network network;
        try
        {
            network = new Network(doc.Spec, seed: 0);
        }
        catch (ArgumentException e)
        {
            throw new UserError($"{path}: the model's structure is invalid: {e.Message}", e);
        }

        Parameter[] parameters = network.Parameters.ToArray();
        if (parameters.Length != doc.Parameters.Length)
        {
            throw new UserError($"{path}: {doc.Parameters.Length} parameter arrays, the structure needs {parameters.Length}");
        }

        for (int i = 0; i < parameters.Length; i++)
        {
            NamedValues? saved = doc.Parameters[i];
            if (saved?.Values is null || saved.Name != parameters[i].Name || saved.Values.Length != parameters[i].Size)
            {
                throw new UserError($"{path}: parameter {i} is {UserError.Printable(saved?.Name ?? "missing")}[{saved?.Values?.Length ?? 0}], expected {parameters[i].Name}[{parameters[i].Size}]");
            }

            RequireFinite(path, saved.Values, $"parameter {saved.Name}");

            saved.Values.CopyTo(parameters[i].Value, 0);
        }

        Current[] currents = network.Currents.ToArray();
        if (currents.Length != doc.Currents.Length)
        {
            throw new UserError($"{path}: {doc.Currents.Length} current records, the structure has {currents.Length}");
        }

        for (int i = 0; i < currents.Length; i++)
        {
            CurrentState? s = doc.Currents[i];
            InputNormalizer n = currents[i].Normalizer;
            if (s?.Center is null || s.Scale is null || s.Center.Length != n.Center.Length || s.Scale.Length != n.Scale.Length)
            {
                throw new UserError($"{path}: current record {i} ({currents[i].QualifiedName}) needs a normalisation of {n.Center.Length} inputs (Center, Scale)");
            }

            RequireFinite(path, s.Center, $"the normalisation centre of {currents[i].QualifiedName}");
            RequireFinite(path, s.Scale, $"the normalisation scale of {currents[i].QualifiedName}");
            RequireFinite(path, [s.OutputScale], $"the output scale of {currents[i].QualifiedName}");

            s.Center.CopyTo(n.Center, 0);
            s.Scale.CopyTo(n.Scale, 0);
            if (currents[i] is LumpedCurrent lumped)
            {
                lumped.OutputScale = s.OutputScale;
            }
        }

        network.RefreshEffective();
        return network;
    }

    private static void RequireFinite(string path, float[] values, string what)
    {
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
        {
            throw new UserError($"{path}: {what} holds {values[bad]} at index {bad}; expected finite numbers");
        }
    }
}
