namespace OnnxKto.Collectives;

/// <summary>A job of one process: every collective is the identity and nothing native is loaded.</summary>
internal sealed class SingleProcess : ICollective
{
    public int Rank => 0;
    public int WorldSize => 1;
    public string Backend => "single process";
    public void AllReduceSum(float[] buffer, string what) { }
    public void AllReduceSum(double[] buffer, string what) { }
    public void Broadcast(byte[] buffer) { }
    public void Dispose() { }
}
