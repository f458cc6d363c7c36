using System;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Tokenlay.Pipeline;

/// <summary>
/// Tells connection failures that a retry can clear (a reset, a refused or dropped connection)
/// from those it cannot: a host name that does not resolve, or a TLS handshake that fails (for
/// example https:// against a plain-HTTP port, or an untrusted certificate). Retrying those only
/// multiplies the wait; both retry layers ask here.
/// </summary>
internal static class ConnectionFailures
{
    public static bool IsPermanent(Exception? exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Count > 0)
            {
                return IsPermanent(aggregate.InnerExceptions[aggregate.InnerExceptions.Count - 1]);
            }
            switch (e)
            {
                case AuthenticationException:
                    return true;
                case SocketException socket when socket.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData:
                    return true;
                case SocketException socket when socket.SocketErrorCode == SocketError.TryAgain:
                    return false; // a DNS server that could not answer now may answer later
#if NET8_0_OR_GREATER
                case HttpRequestException http when http.HttpRequestError == HttpRequestError.SecureConnectionError:
                    return true;
                case HttpRequestException http when http.HttpRequestError == HttpRequestError.NameResolutionError
                                                    && !(http.InnerException is SocketException { SocketErrorCode: SocketError.TryAgain }):
                    return true;
#endif
            }
        }
        return false;
    }
}
