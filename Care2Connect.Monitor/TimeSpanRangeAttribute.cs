using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Care2Connect.Monitor;

/// <summary>
/// A <see cref="TimeSpan"/> option's bounds, with <see cref="RangeAttribute"/>'s message. <c>Range(typeof(TimeSpan), …)</c>
/// converts its bounds through a type converter found by reflection, which native AOT cannot promise; these bounds are
/// parsed once, here.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TimeSpanRangeAttribute(string minimum, string maximum) : ValidationAttribute("The field {0} must be between {1} and {2}.")
{
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);

    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    public override bool IsValid(object? value) => value is not TimeSpan span || (span >= Minimum && span <= Maximum);

    public override string FormatErrorMessage(string name) =>
        string.Format(CultureInfo.CurrentCulture, ErrorMessageString, name, Minimum, Maximum);
}
