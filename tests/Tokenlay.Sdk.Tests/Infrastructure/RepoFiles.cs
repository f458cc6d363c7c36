namespace Tokenlay.Tests.Infrastructure;

/// <summary>Finds files of this repository from a test's output folder.</summary>
public static class RepoFiles
{
    public static string Path(string relative)
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Tokenlay.Sdk.sln")))
            {
                return System.IO.Path.Combine(dir.FullName, relative);
            }
        }
        throw new DirectoryNotFoundException("Could not find the repository root (Tokenlay.Sdk.sln) above " + AppContext.BaseDirectory);
    }
}
