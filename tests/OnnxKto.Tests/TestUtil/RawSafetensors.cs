using System.Text;

namespace OnnxKto.Tests.TestUtil;

/// <summary>Writes safetensors files byte by byte, so tests can build headers that lie.</summary>
internal static class RawSafetensors
{
    /// <summary>
    /// Writes an 8-byte length (the true header length unless <paramref name="declaredHeaderLength"/> is given),
    /// <paramref name="headerJson"/> and <paramref name="data"/>.
    /// </summary>
    public static string Write(string path, string headerJson, byte[] data, ulong? declaredHeaderLength = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes(declaredHeaderLength ?? (ulong)header.Length));
        stream.Write(header);
        stream.Write(data);
        return path;
    }
}
