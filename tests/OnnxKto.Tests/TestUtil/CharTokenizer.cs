using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// A tokenizer whose ids can be derived by hand: every character is its UTF-16 code ('a' = 97, '\n' = 10), each
/// special token is 1000 + its index in <c>[eos, bos?, ...others]</c> (so EOS is 1000), and optional merges map a
/// string to one id (to provoke prompt/completion boundary mismatches). Special tokens win over merges over characters.
/// </summary>
internal sealed class CharTokenizer : ITextTokenizer
{
    private readonly List<string> _specials;

    public CharTokenizer(string eos = "</s>", string? bos = null, string[]? others = null, Dictionary<string, int>? merges = null)
    {
        _specials = [eos, .. bos is null ? Array.Empty<string>() : [bos], .. others ?? []];
        Merges = merges ?? [];
        EosToken = eos;
        BosTokenId = bos is null ? null : 1001;
    }

    public Dictionary<string, int> Merges { get; }

    public int VocabSize => 1000 + _specials.Count;

    public int EosTokenId => 1000;

    public string EosToken { get; }

    public int? BosTokenId { get; }

    public int PadTokenId => EosTokenId;

    public int[] Encode(string text)
    {
        var ids = new List<int>();
        for (var i = 0; i < text.Length;)
        {
            var special = _specials.FindIndex(s => string.CompareOrdinal(text, i, s, 0, s.Length) == 0);
            if (special >= 0)
            {
                ids.Add(1000 + special);
                i += _specials[special].Length;
                continue;
            }
            var merge = Merges.FirstOrDefault(m => string.CompareOrdinal(text, i, m.Key, 0, m.Key.Length) == 0);
            if (merge.Key is not null)
            {
                ids.Add(merge.Value);
                i += merge.Key.Length;
                continue;
            }
            ids.Add(text[i++]);
        }
        return [.. ids];
    }

    public string Decode(IReadOnlyList<int> ids) => string.Concat(ids.Select(id =>
        id >= 1000 ? _specials[id - 1000] : Merges.FirstOrDefault(m => m.Value == id).Key ?? ((char)id).ToString()));
}
