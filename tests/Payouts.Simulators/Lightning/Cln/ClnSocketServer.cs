using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payouts.Simulators.Lightning.Cln;

/// <summary>
/// lightningd's JSON-RPC socket: requests are JSON objects written back to back, with no framing but the JSON itself;
/// each reply is one JSON object followed by a blank line ("\n\n"). Requests on one connection run concurrently, as
/// lightningd's do, so a long pay does not hold up a getinfo behind it; replies carry the request's id.
/// </summary>
internal sealed class ClnSocketServer : IAsyncDisposable
{
    private readonly ClnSimulator _cln;
    private readonly Socket _listener;
    private readonly string _path;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _connections = [];
    private readonly Task _accepting;

    private ClnSocketServer(ClnSimulator cln, string path)
    {
        _cln = cln;
        _path = path;
        if (File.Exists(path)) File.Delete(path);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(16);
        _accepting = Accept();
    }

    public static ClnSocketServer Start(ClnSimulator cln, string path) => new(cln, path);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        lock (_connections)
            foreach (var connection in _connections) connection.Dispose();
        try { await _accepting; }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        if (File.Exists(_path)) File.Delete(_path);
    }

    private async Task Accept()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try { connection = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            lock (_connections) _connections.Add(connection);
            _ = Serve(connection);
        }
    }

    private async Task Serve(Socket connection)
    {
        var writeLock = new SemaphoreSlim(1, 1);
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        var running = new List<Task>();
        try
        {
            while (true)
            {
                var read = await connection.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
                if (read == 0) break;
                buffer.AddRange(chunk.AsSpan(0, read));
                while (JsonFraming.TryTake(buffer, out var request))
                    running.Add(Handle(connection, writeLock, request));
            }
            await Task.WhenAll(running);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        finally
        {
            lock (_connections) _connections.Remove(connection);
            connection.Dispose();
        }
    }

    private async Task Handle(Socket connection, SemaphoreSlim writeLock, byte[] text)
    {
        JsonNode reply;
        JsonElement request;
        try { request = JsonDocument.Parse(text).RootElement; }
        catch (JsonException)
        {
            await Write(connection, writeLock, Error(null, new ClnRpcError(-32700, "Parse error")));
            return;
        }
        JsonNode? id = request.ValueKind == JsonValueKind.Object && request.TryGetProperty("id", out var rawId) ? JsonNode.Parse(rawId.GetRawText()) : null;
        if (request.ValueKind != JsonValueKind.Object || !request.TryGetProperty("method", out var m) || m.ValueKind != JsonValueKind.String)
        {
            await Write(connection, writeLock, Error(id, new ClnRpcError(ClnRpcError.InvalidRequest, "Expected string for method")));
            return;
        }
        JsonElement? parameters = request.TryGetProperty("params", out var p) ? p : null;
        var outcome = await _cln.Execute(m.GetString()!, parameters, "socket");
        if (outcome.Drop)
        {
            // Closed without a word: the client cannot tell whether the command ran.
            try { connection.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
            connection.Dispose();
            return;
        }
        reply = outcome.Error is { } error ? Error(id, error) : new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = outcome.Result };
        await Write(connection, writeLock, reply);
    }

    private static JsonObject Error(JsonNode? id, ClnRpcError error) => new() { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = error.ToJson() };

    private static async Task Write(Socket connection, SemaphoreSlim writeLock, JsonNode reply)
    {
        var bytes = Encoding.UTF8.GetBytes(reply.ToJsonString() + "\n\n");
        await writeLock.WaitAsync();
        try { await connection.SendAsync(bytes, SocketFlags.None); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { /* the client or a Stop closed it */ }
        finally { writeLock.Release(); }
    }
}

/// <summary>Cuts complete top-level JSON values off the front of a byte stream that has no other framing.</summary>
internal static class JsonFraming
{
    public static bool TryTake(List<byte> buffer, out byte[] value)
    {
        value = [];
        var start = 0;
        while (start < buffer.Count && buffer[start] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') start++;
        if (start == buffer.Count) { buffer.Clear(); return false; }
        int depth = 0;
        var inString = false;
        var escaped = false;
        for (var i = start; i < buffer.Count; i++)
        {
            var b = buffer[i];
            if (inString)
            {
                if (escaped) escaped = false;
                else if (b == '\\') escaped = true;
                else if (b == '"') inString = false;
                continue;
            }
            switch (b)
            {
                case (byte)'"': inString = true; break;
                case (byte)'{' or (byte)'[': depth++; break;
                case (byte)'}' or (byte)']':
                    if (--depth == 0)
                    {
                        value = buffer.GetRange(start, i - start + 1).ToArray();
                        buffer.RemoveRange(0, i + 1);
                        return true;
                    }
                    break;
            }
            // A stray scalar at top level can never become an object: hand it over so the caller answers a parse error.
            if (depth == 0 && !inString)
            {
                value = buffer.GetRange(start, i - start + 1).ToArray();
                buffer.RemoveRange(0, i + 1);
                return true;
            }
        }
        return false;
    }
}
