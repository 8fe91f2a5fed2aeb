using System.Runtime.InteropServices;

namespace OnnxKto.Runtime;

/// <summary>
/// How the C allocator serves ONNX Runtime's host tensors when its arena is off. glibc raises its mmap threshold each
/// time a large block is freed, so after a few steps activations come from the heap, whose freed space it keeps and
/// fragments: on the SmolLM2-135M step the peak RSS varied between 6.8 and 9.3 GiB from run to run. A fixed 1 MiB
/// threshold maps every large tensor on its own and returns it to the system when freed (measured 6.8 GiB every time).
/// </summary>
internal static class HostMemory
{
    private const int MmapThreshold = -3;  // M_MMAP_THRESHOLD in glibc's malloc.h
    private static int _configured;

    /// <summary>Makes blocks of 1 MiB and more mapped and unmapped one by one (glibc on Linux; elsewhere nothing).</summary>
    public static void ReturnLargeBlocksToSystem()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _configured, 1) == 1) return;
        try { mallopt(MmapThreshold, 1 << 20); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { }  // not glibc (e.g. musl)
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
