using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders;

/// <summary>Seeded initial weights for models trained from scratch (presets).</summary>
public static class ParameterInitializer
{
    /// <summary>Float32 tensors for every parameter, deterministic for a given seed and parameter order.</summary>
    public static Dictionary<string, TensorData> Initialize(IEnumerable<ParameterSpec> parameters, int seed)
    {
        var rng = new Random(seed);
        var weights = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            var values = new float[p.ElementCount];
            switch (p.Init)
            {
                case ParameterInit.Ones: Array.Fill(values, 1f); break;
                case ParameterInit.Normal:
                    for (int i = 0; i < values.Length; i++) values[i] = (float)(p.Std * StandardNormal(rng));
                    break;
            }
            weights[p.Name] = TensorData.FromFloats(p.Shape, values);
        }
        return weights;
    }

    // Box–Muller: two uniforms → one standard normal sample.
    private static double StandardNormal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
