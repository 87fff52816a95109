using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Simulation;

namespace RmmEdge.Bench;

/// <summary>
/// `RmmEdge.Bench cells`: what each cell of the Prinz catalogue (StgConductances.Catalogue) does in
/// this simulator, alone and as a half-centre of two (graded inhibition each way), under the constant
/// currents of ConstantCurrentResponse's standard table: the cells the generalisation bench is run on.
/// </summary>
public static class CellsBench
{
    public static void Run(double[] synapsesUs, TextWriter output)
    {
        foreach ((string name, StgConductances g) in StgConductances.Catalogue)
        {
            output.WriteLine($"{name} {g}");
            Print(ConstantCurrentResponse.OfCircuit(() => Circuit.SingleStg(g), ConstantCurrentResponse.StandardCurrentsNa, BuiltInData.DtMs), output);
            foreach (double us in synapsesUs)
            {
                output.WriteLine($"  half-centre of two, {us * 1000:0} nS each way:");
                Print(ConstantCurrentResponse.OfCircuit(() => Circuit.HalfCentre(g, us), ConstantCurrentResponse.StandardCurrentsNa, BuiltInData.DtMs), output);
            }
        }
    }

    private static void Print(ActivitySummary[][] table, TextWriter output)
    {
        for (int c = 0; c < table.Length; c++)
        {
            output.WriteLine($"    {ConstantCurrentResponse.StandardCurrentsNa[c],5:+0.00;-0.00;+0.00} nA: {string.Join(" | ", table[c].Select(s => s.ToString()))}");
        }
    }
}
