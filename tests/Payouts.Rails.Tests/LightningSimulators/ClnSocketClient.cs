using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Payouts.Rails.Tests.LightningSimulators;

/// <summary>A raw client of lightningd's socket: writes requests as bytes, splits replies on the blank line after each.</summary>
internal sealed class ClnSocketClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly StringBuilder _pending = new();
    private int _nextId;

    private ClnSocketClient() { }

    public static async Task<ClnSocketClient> Connect(string path)
    {
        var client = new ClnSocketClient();
        await client._socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return client;
    }

    public static string Request(int id, string method, JsonNode? parameters) =>
        new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() }.ToJsonString();

    public async Task<JsonNode> Call(string method, JsonNode? parameters = null)
    {
        await Write(Request(++_nextId, method, parameters));
        return await Read();
    }

    public Task Write(string text) => _socket.SendAsync(Encoding.UTF8.GetBytes(text), SocketFlags.None);

    /// <summary>The next reply, or null when the node closed the connection first.</summary>
    public async Task<JsonNode> Read() => await TryRead() ?? throw new IOException("connection closed without a reply");

    public async Task<JsonNode?> TryRead()
    {
        var buffer = new byte[8192];
        while (true)
        {
            var text = _pending.ToString();
            var end = text.IndexOf("\n\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.Remove(0, end + 2);
                return JsonNode.Parse(text[..end]);
            }
            var read = await _socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10));
            if (read == 0) return null;
            _pending.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }

    public void Dispose() => _socket.Dispose();
}
