using System.Collections.Generic;

namespace Tokenlay.Companion;

/// <summary>What every paged answer of the API has: its items and the cursor of the next page.</summary>
internal interface ITokenlayPage<out T>
{
    IReadOnlyList<T> Data { get; }

    string? NextCursor { get; }
}
