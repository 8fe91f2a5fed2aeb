using System.Collections.Concurrent;
using System.Threading.Channels;
using OnnxKto.Generation;
using OnnxKto.Graphs;

namespace OnnxKto.Serving;

/// <summary>
/// The one thread that decodes for every request: a <see cref="ContinuousBatcher"/> per served name (the base model,
/// each adapter on the same session with its matrices fed as inputs), stepped in turn while any has work, so
/// concurrent requests for a name decode in one batch. Requests hand their sequences over through a queue and read
/// tokens back from a channel, so no request thread touches the decoder.
/// </summary>
public sealed class DecodeService : IDisposable
{
    private readonly Dictionary<string, ContinuousBatcher> _batchers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Name, DecodeRequest Request)> _incoming = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly int _capacity;
    private int _inFlight;

    /// <param name="model">The decoder every name shares.</param>
    /// <param name="inputsByName">Served names with the constant inputs each feeds (null for the base model).</param>
    /// <param name="batchSize">Most sequences decoding together per name.</param>
    /// <param name="maxQueued">Most sequences waiting beyond those decoding, over all names.</param>
    /// <exception cref="UserError">An adapter input the model does not take.</exception>
    public DecodeService(InferenceModel model, IReadOnlyDictionary<string, IReadOnlyDictionary<string, TensorData>?> inputsByName, int batchSize, int maxQueued)
    {
        Model = model;
        foreach (var (name, inputs) in inputsByName) _batchers[name] = new ContinuousBatcher(model, batchSize, inputs);
        _capacity = batchSize * _batchers.Count + maxQueued;
        _thread = new Thread(Loop) { IsBackground = true, Name = "decode" };
        _thread.Start();
    }

    /// <summary>The decoder.</summary>
    public InferenceModel Model { get; }

    /// <summary>The served names.</summary>
    public IEnumerable<string> Names => _batchers.Keys;

    /// <summary>Sequences submitted and not yet finished.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Queues <paramref name="choices"/> sequences of <paramref name="prompt"/> for <paramref name="name"/>; choice i
    /// samples from seed <see cref="TokenSampler.SequenceSeed"/>(seed, 0, i).
    /// </summary>
    /// <returns>Tokens and ends of the choices as they happen; the channel completes after the last choice ends.</returns>
    /// <exception cref="ApiError">503 when the queue is full.</exception>
    public ChannelReader<DecodeEvent> Submit(string name, int[] prompt, GenerationOptions options, int seed, int choices, CancellationToken cancellation)
    {
        if (Interlocked.Add(ref _inFlight, choices) > _capacity)
        {
            Interlocked.Add(ref _inFlight, -choices);
            throw new ApiError(503, $"The server is busy ({_capacity} sequences decoding or queued); retry shortly.", "queue_full");
        }
        var events = Channel.CreateUnbounded<DecodeEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        int open = choices;
        for (int c = 0; c < choices; c++)
        {
            int choice = c;
            _incoming.Enqueue((name, new DecodeRequest
            {
                Prompt = prompt, Options = options, Seed = TokenSampler.SequenceSeed(seed, 0, choice), Cancellation = cancellation,
                OnToken = token => events.Writer.TryWrite(new DecodeEvent(choice, token, null, default)),
                OnFinished = (ids, reason) =>
                {
                    Interlocked.Decrement(ref _inFlight);
                    events.Writer.TryWrite(new DecodeEvent(choice, 0, ids, reason));
                    if (--open == 0) events.Writer.TryComplete();
                },
            }));
        }
        _arrived.Release();
        return events.Reader;
    }

    /// <summary>Stops the decoding thread and releases the batches.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _arrived.Release();
        _thread.Join();
        foreach (var batcher in _batchers.Values) batcher.Dispose();
        _stop.Dispose();
        _arrived.Dispose();
    }

    private void Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            while (_incoming.TryDequeue(out var item)) _batchers[item.Name].Enqueue(item.Request);
            var busy = _batchers.Values.Where(b => !b.IsIdle).ToList();
            if (busy.Count == 0)
            {
                _arrived.Wait();
                continue;
            }
            foreach (var batcher in busy) batcher.Step();
        }
    }
}
