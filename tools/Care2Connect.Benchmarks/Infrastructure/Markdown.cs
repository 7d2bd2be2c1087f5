using System.Globalization;
using System.Text;

namespace Care2Connect.Benchmarks.Infrastructure;

/// <summary>Small helpers for the markdown report; numbers always in the invariant culture.</summary>
internal static class Markdown
{
    /// <summary>A table; <paramref name="align"/> has one letter per column, <c>l</c> or <c>r</c>.</summary>
    public static void Table(StringBuilder report, string align, string[] headers, IEnumerable<string[]> rows)
    {
        if (align.Length != headers.Length)
        {
            throw new ArgumentException($"{headers.Length} columns but {align.Length} alignments.", nameof(align));
        }

        report.AppendLine("| " + string.Join(" | ", headers) + " |");
        report.AppendLine("| " + string.Join(" | ", align.Select(a => a == 'r' ? "---:" : "---")) + " |");
        foreach (var row in rows)
        {
            report.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        report.AppendLine();
    }

    public static string F(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>Progress on stderr, so stdout carries only the report.</summary>
internal static class Progress
{
    private static readonly DateTime Started = DateTime.UtcNow;

    public static void Say(string message) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{(DateTime.UtcNow - Started).TotalSeconds,6:0.0} s] {message}"));
}
