using System.Text;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>GPT-2's byte-to-unicode table: printable bytes stand for themselves, the others map to U+0100 onwards.</summary>
internal static class ByteLevelAlphabet
{
    /// <summary>The character that stands for each byte.</summary>
    public static IReadOnlyList<char> Chars { get; } = BuildChars();

    private static readonly Dictionary<char, byte> Bytes = Enumerable.Range(0, 256).ToDictionary(b => Chars[b], b => (byte)b);

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, each as its character.</summary>
    public static string Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = Chars[bytes[i]];
        return new string(chars);
    }

    /// <summary>The byte a character stands for; false for a character outside the table.</summary>
    public static bool TryByte(char c, out byte b) => Bytes.TryGetValue(c, out b);

    private static char[] BuildChars()
    {
        var chars = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
            chars[b] = (b is >= '!' and <= '~') || (b is >= 0xA1 and <= 0xAC) || (b is >= 0xAE and <= 0xFF) ? (char)b : (char)next++;
        return chars;
    }
}
