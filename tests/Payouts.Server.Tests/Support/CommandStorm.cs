using System.Net;
using System.Text.Json.Nodes;

namespace Payouts.Server.Tests.Support;

/// <summary>
/// Fires many concurrent approve/cancel/mark requests at one payout through several clients (nodes) and checks the
/// outcome the way an auditor would: the event log has exactly one event per revision with no gap, each event starts
/// where the previous ended, the stored payout is the last event, and every success a client saw is that log's entry
/// for the revision it reported — so no two requests "won" the same revision with different outcomes.
/// </summary>
public static class CommandStorm
{
    private static readonly string[] AllowedRefusals = ["invalid-state", "old-revision", "concurrent-update"];

    public static async Task<int> Run(IReadOnlyList<HttpClient> clients, DbProbe probe, string storeId, string payoutId, int requests, int seed)
    {
        var random = new Random(seed);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = new List<Task<(HttpStatusCode Status, string Body)>>();
        for (var i = 0; i < requests; i++)
        {
            var client = clients[i % clients.Count];
            var kind = random.Next(7);
            tasks.Add(Task.Run(async () =>
            {
                await gate.Task;
                using var response = kind switch
                {
                    0 => await Http.Approve(client, storeId, payoutId, 0),
                    1 => await Http.Approve(client, storeId, payoutId, 1),
                    2 => await Http.Cancel(client, storeId, payoutId),
                    3 => await Http.Mark(client, storeId, payoutId, "InProgress"),
                    4 => await Http.Mark(client, storeId, payoutId, "AwaitingPayment"),
                    5 => await Http.Mark(client, storeId, payoutId, "Completed"),
                    _ => await Http.MarkPaid(client, storeId, payoutId),
                };
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }));
        }
        gate.SetResult();
        var results = await Task.WhenAll(tasks);

        var events = await probe.Events(payoutId);
        Assert.NotEmpty(events);
        for (var r = 0; r < events.Count; r++)
        {
            Assert.Equal(r, events[r].Revision);
            Assert.Equal(r == 0 ? null : events[r - 1].ToState, events[r].FromState);
        }
        var (state, revision) = await probe.Payout(payoutId);
        Assert.Equal(events[^1].ToState, state);
        Assert.Equal(events.Count - 1, revision);

        foreach (var (status, body) in results)
        {
            var json = JsonNode.Parse(body)!;
            if (status == HttpStatusCode.OK)
            {
                var seenRevision = json["revision"]!.GetValue<int>();
                Assert.Equal(events[seenRevision].ToState, json["state"]!.GetValue<string>());
            }
            else
            {
                Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.Conflict, $"unexpected {(int)status}: {body}");
                Assert.Contains(json["code"]!.GetValue<string>(), AllowedRefusals);
            }
        }
        return events.Count;
    }
}
