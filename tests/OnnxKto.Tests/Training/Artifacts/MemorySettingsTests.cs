using OnnxKto.Training.Artifacts;

namespace OnnxKto.Tests.Training.Artifacts;

[TestClass]
public sealed class MemorySettingsTests
{
    [TestMethod]
    [DataRow(1024, 4, 256, 1)]
    [DataRow(1024, 4, 257, 2)]
    [DataRow(1024, 8, 2048, 16)]
    [DataRow(100, 1, 1, 1)]
    public void HeadPiecesKeepEachAtMostTheRowBudget(int rows, int batch, int maxLength, int expected) =>
        Assert.AreEqual(expected, new MemorySettings { HeadChunkRows = rows }.HeadChunks(batch, maxLength));

    [TestMethod]
    public void NoBudgetIsOnePiece() => Assert.AreEqual(1, new MemorySettings { HeadChunkRows = null }.HeadChunks(64, 4096));

    [TestMethod]
    public void DefaultsAreNoCheckpointingAnd1024Rows()
    {
        Assert.IsFalse(MemorySettings.Default.GradientCheckpointing);
        Assert.AreEqual(1024, MemorySettings.Default.HeadChunkRows);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MemorySettings { HeadChunkRows = 0 }.HeadChunks(1, 1));
    }
}
