using System.Collections;
using OnnxKto.Graphs;

namespace OnnxKto.Models.Checkpoints;

/// <summary>
/// The tensors of a safetensors file as a dictionary that reads each one when it is asked for and keeps nothing, so
/// a consumer that uploads tensor by tensor (the training session) holds at most one host copy at a time. Tensors keep
/// their stored type (a LoRA base in BF16 stays bfloat16). The file must not change while the dictionary is in use.
/// </summary>
internal sealed class SafetensorsTensors : IReadOnlyDictionary<string, TensorData>
{
    private readonly string _path;
    private readonly HashSet<string> _names;

    /// <summary>Reads and validates the header of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The header is malformed.</exception>
    public SafetensorsTensors(string path)
    {
        _path = path;
        using var file = SafetensorsFile.Open(path);
        _names = file.TensorNames.ToHashSet(StringComparer.Ordinal);
        Metadata = file.Metadata;
    }

    /// <summary>The file's <c>__metadata__</c> map.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads <paramref name="key"/> from the file.</summary>
    public TensorData this[string key] => TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"Safetensors file '{_path}' has no tensor '{key}'.");

    public IEnumerable<string> Keys => _names;

    /// <summary>Every tensor, read one after the other.</summary>
    public IEnumerable<TensorData> Values => _names.Select(n => this[n]);

    public int Count => _names.Count;

    public bool ContainsKey(string key) => _names.Contains(key);

    public bool TryGetValue(string key, out TensorData value)
    {
        if (!_names.Contains(key))
        {
            value = null!;
            return false;
        }
        using var file = SafetensorsFile.Open(_path);
        value = file.Read(key, widen: false);
        return true;
    }

    public IEnumerator<KeyValuePair<string, TensorData>> GetEnumerator() =>
        _names.Select(n => new KeyValuePair<string, TensorData>(n, this[n])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
