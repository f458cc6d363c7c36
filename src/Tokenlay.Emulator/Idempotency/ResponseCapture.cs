using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Emulator.Idempotency;

/// <summary>
/// Passes a response body through to the caller and keeps a copy (up to <see cref="Limit"/> bytes),
/// so that a streamed answer can be replayed to a retry with the same idempotency key.
/// </summary>
internal sealed class ResponseCapture : Stream
{
    /// <summary>
    /// Answers larger than this are not kept: the key is freed, so a retry of such a call runs (and is
    /// metered) again. Streams this long are rare; keeping them would hold megabytes per key.
    /// </summary>
    public const int Limit = 8 * 1024 * 1024;

    private readonly Stream _inner;
    private readonly MemoryStream _copy = new();

    public ResponseCapture(Stream inner) => _inner = inner;

    public bool Overflowed { get; private set; }

    public byte[] Captured => _copy.ToArray();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Keep(buffer.AsSpan(offset, count));
        _inner.Write(buffer, offset, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Keep(buffer.Span);
        await _inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        if (Overflowed)
        {
            return;
        }
        if (_copy.Length + bytes.Length > Limit)
        {
            Overflowed = true;
            _copy.SetLength(0);
            return;
        }
        _copy.Write(bytes);
    }
}
