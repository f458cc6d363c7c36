using System.Reflection;
using System.Text;

namespace Tokenlay.Tests.Infrastructure;

/// <summary>
/// The public surface of an assembly as sorted text, compared with a file checked in under api/,
/// so that every change to the public API shows in review. Set TOKENLAY_UPDATE_API=1 to rewrite it.
/// </summary>
public static class ApiListing
{
    public static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (Type type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            string kind = type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : "class";
            string bases = type.BaseType is { } b && b != typeof(object) && b != typeof(Enum) && b != typeof(ValueType) ? " : " + b.FullName : "";
            lines.Add($"{kind} {type.FullName}{bases}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = type.GetMembers(flags)
                .Where(IsVisible)
                .Where(m => !(m is MethodInfo mi && mi.IsSpecialName && !mi.Name.StartsWith("op_", StringComparison.Ordinal)))
                .Where(m => !(type.IsEnum && m is FieldInfo { IsSpecialName: true }))
                .Select(m => "    " + Signature(m))
                .OrderBy(s => s, StringComparer.Ordinal);
            lines.AddRange(members);
        }
        return string.Join("\n", lines) + "\n";
    }

    public static void AssertMatches(Assembly assembly, string baselineRelativePath)
    {
        string path = RepoFiles.Path(baselineRelativePath);
        string actual = Describe(assembly);
        if (Environment.GetEnvironmentVariable("TOKENLAY_UPDATE_API") == "1")
        {
            File.WriteAllText(path, actual, new UTF8Encoding(false));
            return;
        }
        string expected = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal) : "(no baseline yet)";
        if (expected != actual)
        {
            var added = actual.Split('\n').Except(expected.Split('\n')).Take(15);
            var removed = expected.Split('\n').Except(actual.Split('\n')).Take(15);
            Assert.Fail($"The public API of {assembly.GetName().Name} changed. If that is intended, run the tests with TOKENLAY_UPDATE_API=1 and commit {baselineRelativePath}.\n" +
                $"added:\n  {string.Join("\n  ", added)}\nremoved:\n  {string.Join("\n  ", removed)}");
        }
    }

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => (p.GetMethod ?? p.SetMethod) is { } accessor && IsVisible(accessor),
        EventInfo e => e.AddMethod is { } add && IsVisible(add),
        Type t => t.IsNestedPublic || t.IsNestedFamily,
        _ => false,
    };

    private static string Signature(MemberInfo member) => member switch
    {
        PropertyInfo p => $"property {Name(p.PropertyType)} {p.Name} {{ {(p.GetMethod is { } g && IsVisible(g) ? "get; " : "")}{(p.SetMethod is { } s && IsVisible(s) ? (s.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit") ? "init; " : "set; ") : "")}}}{(p.GetMethod?.IsVirtual == true && !p.GetMethod.IsFinal ? " virtual" : "")}",
        MethodInfo m => $"method {(m.IsStatic ? "static " : "")}{(m.IsVirtual && !m.IsFinal ? "virtual " : "")}{Name(m.ReturnType)} {m.Name}{Generic(m)}({Parameters(m)})",
        ConstructorInfo c => $"ctor {(c.IsFamily ? "protected " : "")}({Parameters(c)})",
        FieldInfo f => $"field {(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{Name(f.FieldType)} {f.Name}",
        EventInfo e => $"event {Name(e.EventHandlerType!)} {e.Name}",
        _ => member.ToString()!,
    };

    private static string Generic(MethodInfo m) => m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : "";

    private static string Parameters(MethodBase m) =>
        string.Join(", ", m.GetParameters().Select(p => $"{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    private static string Name(Type type)
    {
        if (type.IsGenericType)
        {
            string name = type.GetGenericTypeDefinition().FullName ?? type.Name;
            return name[..name.IndexOf('`', StringComparison.Ordinal)] + "<" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ">";
        }
        return type.FullName ?? type.Name;
    }
}
