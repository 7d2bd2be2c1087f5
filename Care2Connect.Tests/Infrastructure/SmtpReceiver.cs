using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MimeKit;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>
/// A real SMTP server on a random loopback port (RFC 5321's commands as a client uses them: EHLO, AUTH PLAIN and
/// LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT). Given a certificate it speaks TLS: STARTTLS (RFC 3207) offered after
/// EHLO, or TLS from the first byte (port 465 style). It keeps every message it accepts, with its envelope, the
/// credentials it was given and whether they came encrypted, and can be told to refuse the first N messages (451), or
/// every login on the first N connections (535).
/// </summary>
public sealed class SmtpReceiver : IAsyncDisposable
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<ReceivedMail> _messages = new();
    private readonly ConcurrentQueue<Task> _sessions = new();
    private readonly ConcurrentQueue<(string? User, bool Encrypted)> _logins = new();
    private X509Certificate2? _certificate;
    private bool _implicitTls;
    private int _refuseMessages;
    private int _refuseLogins;
    private int _attempts;
    private Task _accepting = Task.CompletedTask;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<ReceivedMail> Messages => [.. _messages];

    /// <summary>MAIL commands seen, refused ones included.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Credentials offered in AUTH, and whether the connection was encrypted then (refused ones included).</summary>
    public IReadOnlyList<(string? User, bool Encrypted)> Logins => [.. _logins];

    /// <param name="refuseFirstMessages">MAIL commands to answer 451 before accepting.</param>
    /// <param name="refuseFirstLogins">Connections on which every AUTH is refused (535).</param>
    /// <param name="certificate">With it, TLS: STARTTLS is offered, or (<paramref name="implicitTls"/>) used from the start.</param>
    /// <param name="implicitTls">TLS from the first byte instead of STARTTLS.</param>
    public static SmtpReceiver Start(int refuseFirstMessages = 0, int refuseFirstLogins = 0, X509Certificate2? certificate = null, bool implicitTls = false)
    {
        var receiver = new SmtpReceiver { _refuseMessages = refuseFirstMessages, _refuseLogins = refuseFirstLogins, _certificate = certificate, _implicitTls = implicitTls };
        receiver._listener.Start();
        receiver._accepting = receiver.AcceptAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await Task.WhenAll([_accepting, .. _sessions]).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
                _sessions.Enqueue(ServeAsync(client));
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(IdleTimeout);
        var token = timeout.Token;
        Stream stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.Latin1);
        var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };

        string? user = null, password = null, from = null;
        bool? refuseLogins = null;
        var encrypted = false;
        var recipients = new List<string>();
        try
        {
            if (_implicitTls && _certificate is not null)
            {
                (stream, reader, writer) = await StartTlsAsync(stream, token);
                encrypted = true;
            }

            await writer.WriteLineAsync("220 c2c-test ESMTP ready");
            while (await reader.ReadLineAsync(token) is { } line)
            {
                var verb = (line.Length >= 4 ? line[..4] : line).ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-c2c-test greets you");
                        await writer.WriteLineAsync("250-8BITMIME");
                        if (_certificate is not null && !encrypted)
                        {
                            await writer.WriteLineAsync("250-STARTTLS");
                        }

                        await writer.WriteLineAsync("250 AUTH PLAIN LOGIN");
                        break;
                    case "STAR" when _certificate is not null && !encrypted && line.Trim().Equals("STARTTLS", StringComparison.OrdinalIgnoreCase):
                        await writer.WriteLineAsync("220 2.0.0 Ready to start TLS");
                        (stream, reader, writer) = await StartTlsAsync(stream, token);
                        encrypted = true;

                        // RFC 3207: the session starts over; the client says EHLO again.
                        (user, password, from, refuseLogins) = (null, null, null, null);
                        recipients.Clear();
                        break;
                    case "HELO":
                        await writer.WriteLineAsync("250 c2c-test");
                        break;
                    case "AUTH":
                        (user, password) = await AuthenticateAsync(line, reader, writer, token);
                        if (user is null)
                        {
                            break;
                        }

                        _logins.Enqueue((user, encrypted));

                        // A client tries its other mechanisms after a refusal: a refused connection refuses them all.
                        refuseLogins ??= Interlocked.Decrement(ref _refuseLogins) >= 0;
                        if (refuseLogins.Value)
                        {
                            (user, password) = (null, null);
                            await writer.WriteLineAsync("535 5.7.8 Authentication credentials invalid");
                        }
                        else
                        {
                            await writer.WriteLineAsync("235 2.7.0 Authentication successful");
                        }

                        break;
                    case "MAIL":
                        Interlocked.Increment(ref _attempts);
                        if (Interlocked.Decrement(ref _refuseMessages) >= 0)
                        {
                            await writer.WriteLineAsync("451 4.3.0 Try again later");
                            break;
                        }

                        from = Address(line);
                        recipients.Clear();
                        await writer.WriteLineAsync("250 2.1.0 OK");
                        break;
                    case "RCPT":
                        recipients.Add(Address(line));
                        await writer.WriteLineAsync("250 2.1.5 OK");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(token) is { } dataLine && dataLine != ".")
                        {
                            data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                        }

                        using (var content = new MemoryStream(Encoding.Latin1.GetBytes(data.ToString())))
                        {
                            var message = await MimeMessage.LoadAsync(content, token);
                            _messages.Enqueue(new ReceivedMail(from ?? "", [.. recipients], user, password, message, encrypted));
                        }

                        await writer.WriteLineAsync("250 2.0.0 Queued");
                        break;
                    case "RSET":
                        from = null;
                        recipients.Clear();
                        await writer.WriteLineAsync("250 2.0.0 OK");
                        break;
                    case "NOOP":
                        await writer.WriteLineAsync("250 2.0.0 OK");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 2.0.0 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 5.5.2 Command not recognized");
                        break;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException or AuthenticationException)
        {
            // The client went away (or refused our certificate), or the server is stopping.
        }
        finally
        {
            await writer.DisposeAsync().AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            reader.Dispose();
            await stream.DisposeAsync();
        }
    }

    private async Task<(Stream Stream, StreamReader Reader, StreamWriter Writer)> StartTlsAsync(Stream plain, CancellationToken token)
    {
        var tls = new SslStream(plain, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, token);
        return (tls, new StreamReader(tls, Encoding.Latin1), new StreamWriter(tls, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true });
    }

    /// <summary>A self-signed certificate for <c>127.0.0.1</c> and <c>localhost</c>, valid for a day.</summary>
    public static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=c2c-test-smtp", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }

    private static async Task<(string? User, string? Password)> AuthenticateAsync(string line, StreamReader reader, StreamWriter writer, CancellationToken token)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var mechanism = parts.Length > 1 ? parts[1].ToUpperInvariant() : "";
        if (mechanism == "PLAIN")
        {
            var response = parts.Length > 2 ? parts[2] : await ChallengeAsync("", reader, writer, token);
            var fields = Encoding.UTF8.GetString(Convert.FromBase64String(response)).Split('\0');
            return fields.Length == 3 ? (fields[1], fields[2]) : (null, null);
        }

        if (mechanism == "LOGIN")
        {
            var user = parts.Length > 2 ? Decode(parts[2]) : Decode(await ChallengeAsync("Username:", reader, writer, token));
            var password = Decode(await ChallengeAsync("Password:", reader, writer, token));
            return (user, password);
        }

        await writer.WriteLineAsync("504 5.5.4 Unrecognized authentication type");
        return (null, null);
    }

    private static async Task<string> ChallengeAsync(string prompt, StreamReader reader, StreamWriter writer, CancellationToken token)
    {
        await writer.WriteLineAsync("334 " + Convert.ToBase64String(Encoding.UTF8.GetBytes(prompt)));
        return await reader.ReadLineAsync(token) ?? "";
    }

    private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));

    // "MAIL FROM:<a@b> SIZE=123" -> "a@b"
    private static string Address(string line)
    {
        var start = line.IndexOf('<', StringComparison.Ordinal);
        var end = line.IndexOf('>', StringComparison.Ordinal);
        return start >= 0 && end > start ? line[(start + 1)..end] : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}

/// <summary>A message as the server accepted it: envelope, the login it came with (if any), the parsed MIME message.</summary>
public sealed record ReceivedMail(string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo, string? User, string? Password, MimeMessage Message, bool Encrypted)
{
    public string Text => Message.TextBody ?? "";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{EnvelopeFrom} -> {string.Join(", ", EnvelopeTo)}: {Message.Subject}");
}
