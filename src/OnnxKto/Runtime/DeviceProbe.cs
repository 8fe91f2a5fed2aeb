using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace OnnxKto.Runtime;

/// <summary>
/// Checks that an <see cref="ExecutionDevice"/> really works before a long run: starts its provider, allocates a
/// tensor in its memory, and round-trips data through IO binding (host → device-resident output → device input →
/// host), which is the path the training runtime uses for parameters and moments.
/// </summary>
public static class DeviceProbe
{
    /// <summary>Runs the check and returns report lines; throws if any part fails.</summary>
    /// <exception cref="DeviceUnavailableException">The device cannot be used, with what is missing and how to fix it.</exception>
    /// <exception cref="DeviceUnavailableException">Data came back changed from the device.</exception>
    public static IReadOnlyList<string> Run(ExecutionDevice device, DeviceSessionSettings? settings = null)
    {
        var lines = new List<string>
        {
            $"onnxruntime providers: {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())}",
            $"device: {device}",
        };
        var clock = Stopwatch.StartNew();
        using var options = device.CreateSessionOptions(settings);
        if (device.IsCuda)
            lines.Add("cuda provider options: " + string.Join(", ", device.CudaProviderOptions(settings ?? new()).Select(kv => $"{kv.Key}={kv.Value}")));
        using var session = DeviceAllocator.OpenProbeSession(options);
        lines.Add($"session ready in {clock.ElapsedMilliseconds} ms");
        using var allocator = DeviceAllocator.ForSession(device, session);
        using var memory = device.CreateMemoryInfo();

        const int n = 1 << 20;
        var host = new float[n];
        for (int i = 0; i < n; i++) host[i] = i * 0.5f - 7f;
        using var input = OrtValue.CreateTensorValueFromMemory(host, [n]);
        using var resident = allocator.Allocate(TensorElementType.Float, n);
        using var back = OrtValue.CreateTensorValueFromMemory(new float[n], [n]);
        using var run = new RunOptions();
        using (var binding = session.CreateIoBinding())
        {
            binding.BindInput("x", input);
            binding.BindOutput("y", resident);          // written in device memory
            OrtCalls.Guard($"copy to {device}", () => { session.RunWithBinding(run, binding); return 0; });
            binding.SynchronizeBoundOutputs();
        }
        using (var binding = session.CreateIoBinding())
        {
            binding.BindInput("x", resident);           // read from device memory
            binding.BindOutput("y", back);
            OrtCalls.Guard($"copy from {device}", () => { session.RunWithBinding(run, binding); return 0; });
            binding.SynchronizeBoundOutputs();
        }
        var location = resident.GetTensorMemoryInfo();
        lines.Add($"resident tensor: {location.Name} device {location.Id}, {n * 4 / 1024} KiB");
        var got = back.GetTensorDataAsSpan<float>();
        for (int i = 0; i < n; i++)
            if (got[i] != host[i])
                throw new DeviceUnavailableException($"Device round trip on {device} changed element {i}: wrote {host[i]}, read {got[i]}.");
        lines.Add($"io-binding round trip host → {device} → host: {n} floats equal");
        return lines;
    }
}
