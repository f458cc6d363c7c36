using System;
using System.IO;

namespace Tokenlay.Companion;

internal static class Exports
{
    public static void CheckDestination(Stream destination)
    {
        if (destination is null)
        {
            throw new ArgumentNullException(nameof(destination));
        }
        if (!destination.CanWrite)
        {
            throw new ArgumentException("The export destination is not writable.", nameof(destination));
        }
    }
}
