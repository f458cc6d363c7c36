using System;

namespace Tokenlay.Emulator.Rules;

/// <summary>A rules file that cannot be used; the message names the rule and the field to fix.</summary>
public sealed class RulesFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RulesFileException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
