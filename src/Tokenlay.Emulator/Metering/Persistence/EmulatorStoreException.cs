using System;

namespace Tokenlay.Emulator;

/// <summary>The emulator's store (<c>--data</c> or <c>--state</c>) cannot be opened or is corrupt; the message names the file.</summary>
public sealed class EmulatorStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EmulatorStoreException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
