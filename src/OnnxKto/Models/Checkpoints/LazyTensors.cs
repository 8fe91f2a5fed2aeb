using System.Collections;
using OnnxKto.Graphs;

namespace OnnxKto.Models.Checkpoints;

/// <summary>
/// Tensors whose type and shape are known up front and whose contents are read on each access, nothing kept: what a
/// training session hands to a checkpoint so that <see cref="SafetensorsWriter"/> writes the header from the layouts
/// and then downloads one tensor at a time, instead of holding a host copy of every parameter and moment at once.
/// </summary>
internal sealed class LazyTensors : IReadOnlyDictionary<string, TensorData>
{
    private readonly Dictionary<string, Entry> _entries;

    /// <summary>One tensor: its name, element type, shape, and how to read it.</summary>
    public sealed record Entry(string Name, DataType Type, long[] Dims, Func<TensorData> Read);

    /// <summary>The tensors of <paramref name="entries"/>; names must be unique.</summary>
    public LazyTensors(IEnumerable<Entry> entries) => _entries = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);

    /// <summary>These tensors plus <paramref name="name"/>, already in memory.</summary>
    public LazyTensors With(string name, TensorData tensor) =>
        new(_entries.Values.Where(e => e.Name != name).Append(new Entry(name, tensor.Type, tensor.Dims, () => tensor)));

    /// <summary>The type and shape of <paramref name="name"/>, without reading it.</summary>
    public (DataType Type, long[] Dims) Layout(string name) => (_entries[name].Type, _entries[name].Dims);

    /// <summary>Reads <paramref name="key"/> (again, on every access).</summary>
    /// <exception cref="InvalidDataException">The tensor read does not have the type and shape announced.</exception>
    public TensorData this[string key]
    {
        get
        {
            var entry = _entries[key];
            var tensor = entry.Read();
            if (tensor.Type != entry.Type || !tensor.Dims.SequenceEqual(entry.Dims))
                throw new InvalidDataException($"Tensor '{key}' was announced as {entry.Type}[{string.Join(", ", entry.Dims)}] but read as {tensor}.");
            return tensor;
        }
    }

    public IEnumerable<string> Keys => _entries.Keys;

    /// <summary>Every tensor, read one after the other.</summary>
    public IEnumerable<TensorData> Values => _entries.Keys.Select(k => this[k]);

    public int Count => _entries.Count;

    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    public bool TryGetValue(string key, out TensorData value)
    {
        bool found = _entries.ContainsKey(key);
        value = found ? this[key] : null!;
        return found;
    }

    public IEnumerator<KeyValuePair<string, TensorData>> GetEnumerator() =>
        _entries.Keys.Select(k => new KeyValuePair<string, TensorData>(k, this[k])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
