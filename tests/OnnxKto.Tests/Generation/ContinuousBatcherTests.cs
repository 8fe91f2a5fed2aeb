using OnnxKto.Generation;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Generation;

[TestClass]
public sealed class ContinuousBatcherTests
{
    private static readonly GenerationOptions Sampled = new() { MaxNewTokens = 6, Temperature = 0.9, TopP = 0.95 };

    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    public void SequencesArrivingWhileOthersDecodeGetWhatEachGetsAlone(string architecture)
    {
        // 16 positions: the 12-token prompt reaches the context length after 4 new tokens, while the others run to their limits.
        using var model = Open(TinyModels.ByName(architecture) with { EosTokenId = 99, MaxPositions = 16 }, seed: 3);
        var requests = new (int[] Prompt, GenerationOptions Options, int Seed)[]
        {
            ([1, 5, 9, 2], Sampled, 11),
            ([7], Sampled with { MaxNewTokens = 3 }, 12),
            (Enumerable.Range(0, 12).Select(i => i % 9).ToArray(), new GenerationOptions { MaxNewTokens = 8 }, 13),
            ([3, 8], Sampled, 14),
            ([6, 6, 6], Sampled with { Temperature = 0 }, 15),
        };
        var results = new (int[] Ids, FinishReason Reason)?[requests.Length];
        using var batcher = new ContinuousBatcher(model, maxRows: 3);

        // One arrives, decodes two steps alone; three more arrive (one must wait for a row); the last arrives midway.
        Enqueue(batcher, requests, results, 0);
        batcher.Step();
        batcher.Step();
        foreach (int r in new[] { 1, 2, 3 }) Enqueue(batcher, requests, results, r);
        batcher.Step();
        Assert.AreEqual(3, batcher.Live);
        Assert.AreEqual(1, batcher.Waiting);
        batcher.Step();
        Enqueue(batcher, requests, results, 4);
        while (!batcher.IsIdle) batcher.Step();

        for (int r = 0; r < requests.Length; r++)
        {
            var alone = Alone(model, requests[r]);
            CollectionAssert.AreEqual(alone.Ids, results[r]!.Value.Ids, $"request {r}");
            Assert.AreEqual(alone.Reason, results[r]!.Value.Reason, $"request {r}");
        }
        Assert.AreEqual(FinishReason.Length, results[2]!.Value.Reason, "the long prompt stops at the context length");
        Assert.AreEqual(4, results[2]!.Value.Ids.Length);
        Assert.AreEqual(3, results[1]!.Value.Ids.Length);
    }

    [TestMethod]
    public void EosEndsASequenceWithStop()
    {
        var config = TinyModels.Gpt2 with { EosTokenId = 99 };
        using var free = Open(config, seed: 5);
        var greedy = new GenerationOptions { MaxNewTokens = 5 };
        var unbounded = Alone(free, ([2, 4], greedy, 0)).Ids;
        // Declare a later greedy token, one not chosen before it, the EOS: the sequence stops before it.
        int stop = Enumerable.Range(1, unbounded.Length - 1).First(k => !unbounded[..k].Contains(unbounded[k]));
        using var model = Open(config with { EosTokenId = unbounded[stop] }, seed: 5);

        var (ids, reason) = Alone(model, ([2, 4], greedy, 0));

        CollectionAssert.AreEqual(unbounded[..stop], ids, $"greedy [{string.Join(", ", unbounded)}], EOS {unbounded[stop]}");
        Assert.AreEqual(FinishReason.Stop, reason);
        Assert.AreEqual(FinishReason.Length, Alone(free, ([2, 4], greedy, 0)).Reason);
    }

    [TestMethod]
    public void ACancelledSequenceEndsWithoutDisturbingTheOthers()
    {
        using var model = Open(TinyModels.Gpt2 with { EosTokenId = 99 }, seed: 5);  // no EOS: every sequence runs to its limit
        var requests = new (int[] Prompt, GenerationOptions Options, int Seed)[] { ([2, 4], Sampled, 0), ([9, 9, 1], Sampled, 1), ([5], Sampled, 2) };
        var results = new (int[] Ids, FinishReason Reason)?[requests.Length];
        using var cancel = new CancellationTokenSource();
        using var batcher = new ContinuousBatcher(model, maxRows: 4);
        Enqueue(batcher, requests, results, 0);
        Enqueue(batcher, requests, results, 1, cancel.Token);
        Enqueue(batcher, requests, results, 2);
        batcher.Step();
        batcher.Step();
        cancel.Cancel();
        batcher.Step();

        Assert.AreEqual(FinishReason.Cancelled, results[1]!.Value.Reason);
        CollectionAssert.AreEqual(Alone(model, requests[1]).Ids[..2], results[1]!.Value.Ids, "the tokens chosen before the cancellation");
        Assert.AreEqual(2, batcher.Live);
        while (!batcher.IsIdle) batcher.Step();
        foreach (int r in new[] { 0, 2 })
        {
            CollectionAssert.AreEqual(Alone(model, requests[r]).Ids, results[r]!.Value.Ids, $"request {r}");
            Assert.AreEqual(FinishReason.Length, results[r]!.Value.Reason);
        }
    }

    private static void Enqueue(ContinuousBatcher batcher, (int[] Prompt, GenerationOptions Options, int Seed)[] requests,
        (int[] Ids, FinishReason Reason)?[] results, int r, CancellationToken cancellation = default) =>
        batcher.Enqueue(new DecodeRequest
        {
            Prompt = requests[r].Prompt, Options = requests[r].Options, Seed = requests[r].Seed, Cancellation = cancellation,
            OnFinished = (ids, reason) => results[r] = (ids, reason),
        });

    private static (int[] Ids, FinishReason Reason) Alone(InferenceModel model, (int[] Prompt, GenerationOptions Options, int Seed) request)
    {
        var results = new (int[] Ids, FinishReason Reason)?[1];
        using var batcher = new ContinuousBatcher(model, maxRows: 1);
        Enqueue(batcher, [request], results, 0);
        while (!batcher.IsIdle) batcher.Step();
        return results[0]!.Value;
    }

    private static InferenceModel Open(ModelConfig config, int seed) =>
        InferenceModel.FromSource(new ModelSource("test", config, TinyModels.RandomWeights(ModelBuilders.For(config).Build().Parameters, seed)));
}
