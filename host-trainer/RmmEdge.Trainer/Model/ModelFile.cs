using System.Text.Json;
using System.Text.Json.Serialization;

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
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(doc, Json));
        File.Move(temp, path, overwrite: true);
    }

    public static Network Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new UserError($"{path}: file not found");
        }

        Document? doc;
        try
        {
            doc = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), Json);
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
            NamedValues saved = doc.Parameters[i];
            if (saved.Name != parameters[i].Name || saved.Values.Length != parameters[i].Size)
            {
                throw new UserError($"{path}: parameter {i} is {saved.Name}[{saved.Values.Length}], expected {parameters[i].Name}[{parameters[i].Size}]");
            }

            saved.Values.CopyTo(parameters[i].Value, 0);
        }

        Current[] currents = network.Currents.ToArray();
        if (currents.Length != doc.Currents.Length)
        {
            throw new UserError($"{path}: {doc.Currents.Length} current records, the structure has {currents.Length}");
        }

        for (int i = 0; i < currents.Length; i++)
        {
            CurrentState s = doc.Currents[i];
            InputNormalizer n = currents[i].Normalizer;
            if (s.Center.Length != n.Center.Length || s.Scale.Length != n.Scale.Length)
            {
                throw new UserError($"{path}: normalisation of {s.Neuron}/{s.Current} has {s.Center.Length} inputs, expected {n.Center.Length}");
            }

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
}
