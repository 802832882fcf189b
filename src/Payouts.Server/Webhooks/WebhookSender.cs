using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Payouts.Core.Webhooks;

namespace Payouts.Server.Webhooks;

/// <summary>One attempt: POST the stored body, signed with the webhook's secret, and report what came back.</summary>
public sealed class WebhookSender(IOptions<WebhookOptions> options, TimeProvider time) : IDisposable
{
    // Redirects are not followed: a 3xx is the receiver's answer, and following one could send the body somewhere else.
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<DeliveryAttemptResult> Send(LeasedDelivery delivery, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(delivery.Body);
        var at = time.GetUtcNow();
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(delivery.Secret, bytes));
            request.Headers.UserAgent.ParseAdd("Payouts-Webhooks/1");
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return new DeliveryAttemptResult(status, WebhookRetry.IsSuccess(status) ? null : $"HTTP {status} {response.ReasonPhrase}", watch.Elapsed, at);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new DeliveryAttemptResult(null, $"no answer within {options.Value.RequestTimeoutSeconds} s", watch.Elapsed, at);
        }
        catch (HttpRequestException ex)
        {
            return new DeliveryAttemptResult(null, ex.Message, watch.Elapsed, at);
        }
    }

    public void Dispose() => _http.Dispose();
}
