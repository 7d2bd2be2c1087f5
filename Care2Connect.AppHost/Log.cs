using Microsoft.Extensions.Logging;

namespace Care2Connect.AppHost;

internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Postgres mode: {Mode}. {Reason}")]
    public static partial void PostgresMode(ILogger logger, Postgres.PostgresMode mode, string reason);

    [LoggerMessage(1002, LogLevel.Information, "Created database {Database}")]
    public static partial void DatabaseCreated(ILogger logger, string database);

    [LoggerMessage(1101, LogLevel.Information,
        "API keys: open the dashboard, Parameters ({OperatorKey}, {AdminKey}), or run 'dotnet user-secrets list --project Care2Connect.AppHost' (stored in ~/.microsoft/usersecrets/{UserSecretsId}/secrets.json)")]
    public static partial void WhereTheKeysAre(ILogger logger, string operatorKey, string adminKey, string userSecretsId);
}
