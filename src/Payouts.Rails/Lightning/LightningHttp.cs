using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;

namespace Payouts.Rails.Lightning;

/// <summary>
/// HTTP clients for Lightning nodes, one per TLS rule: a node's self-signed certificate is trusted only when its SHA-256
/// matches the configured <c>certthumbprint</c> (or with <c>allowinsecure=true</c>), otherwise the system's trust applies.
/// Shared, because a client per call would exhaust sockets under load.
/// </summary>
public sealed class LightningHttp : IDisposable
{
    private readonly ConcurrentDictionary<(string? Thumbprint, bool Insecure), HttpClient> _clients = new();

    public HttpClient For(LightningRailSettings settings) =>
        _clients.GetOrAdd((settings.CertThumbprint, settings.AllowInsecure), key => new HttpClient(Handler(key.Thumbprint, key.Insecure))
        {
            // Each call sets its own deadline: a payment may legitimately stream for the whole payment timeout.
            Timeout = Timeout.InfiniteTimeSpan,
        });

    private static SocketsHttpHandler Handler(string? thumbprint, bool insecure) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                insecure
                || (thumbprint is not null && certificate is not null
                    && string.Equals(Convert.ToHexStringLower(SHA256.HashData(certificate.GetRawCertData())), thumbprint, StringComparison.Ordinal))
                || (thumbprint is null && errors == SslPolicyErrors.None),
        },
    };

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
    }
}
