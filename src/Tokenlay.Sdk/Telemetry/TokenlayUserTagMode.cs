namespace Tokenlay;

/// <summary>How the user appears as a metric tag. Users are many, so the default leaves them out.</summary>
public enum TokenlayUserTagMode
{
    /// <summary>No user tag (the default: keeps metric cardinality bounded).</summary>
    None = 0,

    /// <summary>A short SHA-256 hash of the user id: per-user series without the id itself.</summary>
    Hashed,

    /// <summary>The user id as sent.</summary>
    Raw,
}
