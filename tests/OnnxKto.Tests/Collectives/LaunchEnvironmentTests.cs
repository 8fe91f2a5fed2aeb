using OnnxKto.Collectives;

namespace OnnxKto.Tests.Collectives;

[TestClass]
public sealed class LaunchEnvironmentTests
{
    private static LaunchEnvironment Read(params (string Name, string Value)[] variables) =>
        LaunchEnvironment.Read(variables.ToDictionary(v => v.Name, v => v.Value));

    [TestMethod]
    public void WithoutALauncherThereIsOneRankAndNoNativeCollective()
    {
        var launch = Read();
        Assert.AreEqual(new LaunchEnvironment(Launcher.None, 0, 1, 0), launch);
        using var collective = launch.Join(TimeSpan.FromSeconds(1));
        Assert.IsInstanceOfType<SingleProcess>(collective);
    }

    [TestMethod]
    public void OpenMpiVariablesGiveRankSizeAndLocalRank()
    {
        var launch = Read(("OMPI_COMM_WORLD_RANK", "3"), ("OMPI_COMM_WORLD_SIZE", "8"), ("OMPI_COMM_WORLD_LOCAL_RANK", "1"),
            ("RANK", "9"), ("WORLD_SIZE", "16"));
        Assert.AreEqual(new LaunchEnvironment(Launcher.OpenMpi, 3, 8, 1), launch, "mpirun's variables win over torchrun-style ones");
    }

    [TestMethod]
    public void MpirunWithOneRankStaysASingleProcess()
    {
        using var collective = Read(("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_SIZE", "1")).Join(TimeSpan.FromSeconds(1));
        Assert.IsInstanceOfType<SingleProcess>(collective);
    }

    [TestMethod]
    public void ATorchrunStyleEnvironmentIsRefusedWithTheMpirunCommand()
    {
        var launch = Read(("RANK", "1"), ("WORLD_SIZE", "4"), ("LOCAL_RANK", "1"), ("MASTER_ADDR", "10.0.0.1"), ("MASTER_PORT", "29500"));
        Assert.AreEqual(new LaunchEnvironment(Launcher.Torchrun, 1, 4, 1), launch);
        var e = Assert.ThrowsExactly<UserError>(() => launch.Join(TimeSpan.FromSeconds(1)));
        StringAssert.Contains(e.Message, "WORLD_SIZE=4");
        StringAssert.Contains(e.Hint, "mpirun -np 4");
    }

    [TestMethod]
    public void AnotherMpiIsRefused()
    {
        var e = Assert.ThrowsExactly<UserError>(() => Read(("PMI_RANK", "0"), ("PMI_SIZE", "2")).Join(TimeSpan.FromSeconds(1)));
        StringAssert.Contains(e.Message, "Open MPI 4.x only");
    }
}
