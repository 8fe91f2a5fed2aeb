using OnnxKto.Graphs;

namespace OnnxKto.Generation;

/// <summary>
/// The rows decoding together and their KV cache, [rows, kv_heads, width, head_dim] per layer, every row's newest
/// token in the last column. Each call appends its columns to the cache; <see cref="Compact"/> drops finished rows and
/// leading columns no row attends to any more.
/// </summary>
internal sealed class DecodeBatch(InferenceModel model, int rows)
{
    private Dictionary<string, TensorData>? _cache;

    /// <summary>Rows in the batch.</summary>
    public int Rows { get; private set; } = rows;

    /// <summary>Columns in the cache.</summary>
    public int Width { get; private set; }

    /// <summary>One decoder call on <paramref name="seq"/> new columns; <paramref name="mask"/> covers the cache and them.</summary>
    /// <returns>Logits [rows, seq, vocab].</returns>
    public TensorData Run(long[] ids, long[] mask, long[] positions, int seq)
    {
        var (logits, cache) = model.Step(ids, mask, positions, Rows, _cache);
        _cache = cache;
        Width += seq;
        return logits;
    }

    /// <summary>Keeps rows <paramref name="keep"/> (in that order) and the columns from <paramref name="from"/> on.</summary>
    public void Compact(int[] keep, int from)
    {
        if (_cache is null) return;
        foreach (var name in _cache.Keys.ToList()) _cache[name] = Slice(_cache[name], keep, from);
        Rows = keep.Length;
        Width -= from;
    }

    // [rows, heads, width, dim] → [keep, heads, width − from, dim], whatever the element type.
    private static TensorData Slice(TensorData t, int[] keep, int from)
    {
        int heads = (int)t.Dims[1], width = (int)t.Dims[2], dim = (int)t.Dims[3], size = t.Type.SizeInBytes();
        int kept = (width - from) * dim * size;
        var bytes = new byte[keep.Length * heads * kept];
        for (int r = 0; r < keep.Length; r++)
            for (int h = 0; h < heads; h++)
                Array.Copy(t.Bytes, ((long)(keep[r] * heads + h) * width + from) * dim * size, bytes, (long)(r * heads + h) * kept, kept);
        return new TensorData(t.Type, [keep.Length, heads, width - from, dim], bytes);
    }
}
