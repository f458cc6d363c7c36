using System.Net;
using System.Net.Sockets;

namespace Tokenlay.Tests.Infrastructure;

/// <summary>A loopback port nothing listens on: connecting to it is refused at once.</summary>
public static class ClosedPort
{
    public static int Get()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
