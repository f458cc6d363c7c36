using System;
using System.Threading;

namespace Tokenlay;

/// <summary>
/// An ambient <see cref="TokenlayRequestContext"/> that applies to every Tokenlay-routed call made
/// in the current async flow, including calls made deep inside other libraries that never see a
/// <see cref="System.ClientModel.Primitives.RequestOptions"/>.
/// </summary>
/// <example>
/// <code>
/// using (TokenlayScope.Begin(new TokenlayRequestContext { User = userId, Feature = "summarize" }))
/// {
///     ChatCompletion reply = await chat.CompleteChatAsync("Summarize this");
/// }
/// </code>
/// </example>
/// <remarks>
/// Scopes nest: an inner scope overrides an outer one key by key, and both override the client's
/// <see cref="TokenlayOptions"/>. Values given per call on <c>RequestOptions</c> win over all scopes.
/// Like any <see cref="AsyncLocal{T}"/> value, a scope flows into tasks started inside it and does
/// not flow back out of an async method that begins it.
/// </remarks>
public static class TokenlayScope
{
    private static readonly AsyncLocal<Node?> s_current = new();

    /// <summary>
    /// Starts a scope. Dispose the result to end it; disposing out of order is safe: a disposed
    /// scope stops applying at once, and the scopes around it keep theirs.
    /// </summary>
    /// <param name="context">What to apply. Its values are read and validated now; later changes to it are not seen.</param>
    /// <returns>A handle that ends the scope when disposed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    /// <exception cref="ArgumentException">A header name or value in the context is invalid (the message names the key).</exception>
    public static IDisposable Begin(TokenlayRequestContext context) => Begin(TokenlayResolvedContext.FromContext(context));

    /// <summary>Starts a scope from a context resolved (and validated) once, for code that re-enters it often.</summary>
    /// <param name="own">What to apply, from <see cref="TokenlayResolvedContext.FromContext"/>.</param>
    /// <returns>A handle that ends the scope when disposed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="own"/> is null.</exception>
    public static IDisposable Begin(TokenlayResolvedContext own)
    {
        if (own is null)
        {
            throw new ArgumentNullException(nameof(own));
        }
        Node? parent = s_current.Value;
        TokenlayResolvedContext? inherited = parent is null ? null : Effective(parent);
        var node = new Node(parent, own, inherited is null ? own : inherited.Overlay(own));
        s_current.Value = node;
        return node;
    }

    /// <summary>The merged context of the scopes active in this async flow, or null when none is.</summary>
    internal static TokenlayResolvedContext? Current
    {
        get
        {
            Node? node = s_current.Value;
            return node is null ? null : Effective(node);
        }
    }

    private static TokenlayResolvedContext? Effective(Node node)
    {
        // Fast path: no scope in the chain was disposed out of order, so the merge made at Begin holds.
        for (Node? n = node; n is not null; n = n.Parent)
        {
            if (n.IsDisposed)
            {
                return Rebuild(node);
            }
        }
        return node.Merged;
    }

    private static TokenlayResolvedContext? Rebuild(Node node)
    {
        TokenlayResolvedContext? merged = null;
        if (node.Parent is not null)
        {
            merged = Rebuild(node.Parent);
        }
        if (node.IsDisposed)
        {
            return merged;
        }
        return merged is null ? node.Own : merged.Overlay(node.Own);
    }

    private sealed class Node : IDisposable
    {
        private int _disposed;

        public Node(Node? parent, TokenlayResolvedContext own, TokenlayResolvedContext merged)
        {
            Parent = parent;
            Own = own;
            Merged = merged;
        }

        public Node? Parent { get; }

        public TokenlayResolvedContext Own { get; }

        public TokenlayResolvedContext Merged { get; }

        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            if (ReferenceEquals(s_current.Value, this))
            {
                Node? live = Parent;
                while (live is not null && live.IsDisposed)
                {
                    live = live.Parent;
                }
                s_current.Value = live;
            }
        }
    }
}
