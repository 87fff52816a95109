using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace RmmEdge.NanoDialect;

/// <summary>
/// Reports, as errors, C# constructs that compile against any reference set but that nanoFramework 1.x
/// cannot run or runs badly (shared/docs/design.md §6, nanoframework-facts.md §3):
/// NANO001 generic declarations of our own, NANO002 multidimensional arrays, NANO003 unsafe code,
/// pointers and stackalloc, NANO004 records, NANO005 tuples, NANO006 async/await,
/// NANO007 arrays of user-defined structs (one heap object per element on nanoCLR).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NanoDialectAnalyzer : DiagnosticAnalyzer
{
    private const string Category = "nanoFramework";

    public static readonly DiagnosticDescriptor GenericDeclaration = Rule("NANO001",
        "Generic declaration",
        "'{0}' declares type parameters: nanoFramework 1.x has no generics of our own; use object, arrays or one concrete type");

    public static readonly DiagnosticDescriptor MultidimensionalArray = Rule("NANO002",
        "Multidimensional array",
        "Multidimensional array '{0}': nanoFramework supports only jagged arrays (T[][]) or a flat array with index arithmetic");

    public static readonly DiagnosticDescriptor UnsafeCode = Rule("NANO003",
        "Unsafe code",
        "'{0}': unsafe code, pointers and stackalloc are not available on nanoFramework; use preallocated arrays");

    public static readonly DiagnosticDescriptor Record = Rule("NANO004",
        "Record",
        "Record '{0}': records are not supported on nanoFramework 1.x; write a class");

    public static readonly DiagnosticDescriptor Tuple = Rule("NANO005",
        "Tuple",
        "Tuple '{0}': nanoFramework has no ValueTuple; use out parameters or a small class");

    public static readonly DiagnosticDescriptor Async = Rule("NANO006",
        "async/await",
        "'{0}': nanoFramework 1.x has no Task or async/await; use a Thread");

    public static readonly DiagnosticDescriptor StructArray = Rule("NANO007",
        "Array of structs",
        "Array of struct '{0}': nanoCLR allocates one heap object per element; keep state in primitive arrays");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        GenericDeclaration, MultidimensionalArray, UnsafeCode, Record, Tuple, Async, StructArray);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();

        context.RegisterSyntaxNodeAction(AnalyzeTypeParameters, SyntaxKind.TypeParameterList);
        context.RegisterSyntaxNodeAction(AnalyzeArrayRank, SyntaxKind.ArrayRankSpecifier);
        context.RegisterSyntaxNodeAction(ReportUnsafe,
            SyntaxKind.UnsafeStatement, SyntaxKind.FixedStatement, SyntaxKind.PointerType,
            SyntaxKind.StackAllocArrayCreationExpression, SyntaxKind.ImplicitStackAllocArrayCreationExpression,
            SyntaxKind.FunctionPointerType);
        context.RegisterSyntaxNodeAction(ReportRecord, SyntaxKind.RecordDeclaration, SyntaxKind.RecordStructDeclaration);
        context.RegisterSyntaxNodeAction(ReportTuple, SyntaxKind.TupleType, SyntaxKind.TupleExpression);
        context.RegisterSyntaxNodeAction(ReportAsync, SyntaxKind.AwaitExpression);
        context.RegisterSyntaxNodeAction(AnalyzeModifiers,
            SyntaxKind.MethodDeclaration, SyntaxKind.LocalFunctionStatement, SyntaxKind.ClassDeclaration,
            SyntaxKind.StructDeclaration, SyntaxKind.FieldDeclaration, SyntaxKind.ParenthesizedLambdaExpression,
            SyntaxKind.SimpleLambdaExpression, SyntaxKind.AnonymousMethodExpression);
        context.RegisterSyntaxNodeAction(AnalyzeArrayType, SyntaxKind.ArrayType);
    }

    private static DiagnosticDescriptor Rule(string id, string title, string format) =>
        new(id, title, format, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static void AnalyzeTypeParameters(SyntaxNodeAnalysisContext context)
    {
        var list = (TypeParameterListSyntax)context.Node;
        string name = list.Parent switch
        {
            BaseTypeDeclarationSyntax type => type.Identifier.Text,
            MethodDeclarationSyntax method => method.Identifier.Text,
            DelegateDeclarationSyntax del => del.Identifier.Text,
            LocalFunctionStatementSyntax local => local.Identifier.Text,
            _ => list.Parent?.ToString() ?? "?",
        };
        context.ReportDiagnostic(Diagnostic.Create(GenericDeclaration, list.GetLocation(), name));
    }

    private static void AnalyzeArrayRank(SyntaxNodeAnalysisContext context)
    {
        var rank = (ArrayRankSpecifierSyntax)context.Node;
        if (rank.Rank > 1)
        {
            context.ReportDiagnostic(Diagnostic.Create(MultidimensionalArray, rank.GetLocation(), rank.Parent?.ToString()));
        }
    }

    private static void ReportUnsafe(SyntaxNodeAnalysisContext context) =>
        context.ReportDiagnostic(Diagnostic.Create(UnsafeCode, context.Node.GetLocation(), Shorten(context.Node)));

    private static void ReportRecord(SyntaxNodeAnalysisContext context) =>
        context.ReportDiagnostic(Diagnostic.Create(Record, context.Node.GetLocation(),
            ((RecordDeclarationSyntax)context.Node).Identifier.Text));

    private static void ReportTuple(SyntaxNodeAnalysisContext context) =>
        context.ReportDiagnostic(Diagnostic.Create(Tuple, context.Node.GetLocation(), Shorten(context.Node)));

    private static void ReportAsync(SyntaxNodeAnalysisContext context) =>
        context.ReportDiagnostic(Diagnostic.Create(Async, context.Node.GetLocation(), Shorten(context.Node)));

    private static void AnalyzeModifiers(SyntaxNodeAnalysisContext context)
    {
        SyntaxTokenList modifiers = context.Node switch
        {
            MemberDeclarationSyntax member => member.Modifiers,
            LocalFunctionStatementSyntax local => local.Modifiers,
            AnonymousFunctionExpressionSyntax lambda => lambda.Modifiers,
            _ => default,
        };
        foreach (SyntaxToken token in modifiers)
        {
            if (token.IsKind(SyntaxKind.AsyncKeyword))
            {
                context.ReportDiagnostic(Diagnostic.Create(Async, token.GetLocation(), "async"));
            }
            else if (token.IsKind(SyntaxKind.UnsafeKeyword))
            {
                context.ReportDiagnostic(Diagnostic.Create(UnsafeCode, token.GetLocation(), "unsafe"));
            }
        }
    }

    private static void AnalyzeArrayType(SyntaxNodeAnalysisContext context)
    {
        var array = (ArrayTypeSyntax)context.Node;
        ITypeSymbol? element = context.SemanticModel.GetTypeInfo(array.ElementType, context.CancellationToken).Type;
        if (element is { TypeKind: TypeKind.Struct, SpecialType: SpecialType.None } &&
            element.Locations.Any(l => l.IsInSource))
        {
            context.ReportDiagnostic(Diagnostic.Create(StructArray, array.GetLocation(), element.Name));
        }
    }

    private static string Shorten(SyntaxNode node)
    {
        string text = node.ToString();
        return text.Length <= 40 ? text : text.Substring(0, 40) + "...";
    }
}
