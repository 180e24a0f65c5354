package main

import (
	"fmt"
	"image/color"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// writeChart draws cachekit ÷ peer for the chart comparisons found in r
// as horizontal bars, with the line of parity and each target's bound, to
// an SVG file.
func writeChart(r *results, file string) error {
	var (
		labels []string
		ratios plotter.Values
		bounds plotter.XYs
		xmax   = 1.0
	)
	for _, c := range chartComparisons {
		x, ok := c.ratio(r)
		if !ok {
			continue
		}
		i := float64(len(ratios))
		labels = append(labels, fmt.Sprintf("%s vs %s: %s", c.Short, c.Peer, formatRatio(x)))
		ratios = append(ratios, x)
		xmax = max(xmax, x, c.Max)
		if c.Max > 0 {
			bounds = append(bounds, plotter.XY{X: c.Max, Y: i})
		}
	}
	if len(ratios) == 0 {
		return fmt.Errorf("no comparison has data for the chart")
	}
	// The first comparison at the top.
	slices.Reverse(labels)
	slices.Reverse(ratios)
	for i := range bounds {
		bounds[i].Y = float64(len(ratios)-1) - bounds[i].Y
	}

	p := plot.New()
	p.Title.Text = "cachekit time ÷ peer time (< 1: cachekit is faster)"
	p.X.Label.Text = "cachekit ÷ peer, median of the runs' ratios"
	p.X.Min = 0
	p.X.Max = xmax * 1.25 // room for the legend
	bars, err := plotter.NewBarChart(ratios, vg.Points(12))
	if err != nil {
		return err
	}
	bars.Horizontal = true
	bars.Color = color.RGBA{R: 0x33, G: 0x66, B: 0xaa, A: 0xff}
	bars.LineStyle.Width = 0
	p.Add(bars, plotter.NewGrid())

	parity, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.5}, {X: 1, Y: float64(len(ratios)) - 0.5}})
	if err != nil {
		return err
	}
	parity.Color = color.Gray{Y: 0x55}
	parity.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(parity)
	if len(bounds) > 0 {
		marks, err := plotter.NewScatter(bounds)
		if err != nil {
			return err
		}
		marks.GlyphStyle = draw.GlyphStyle{Color: color.RGBA{R: 0xcc, A: 0xff}, Radius: vg.Points(4), Shape: draw.PyramidGlyph{}}
		p.Add(marks)
		p.Legend.Add("target bound", marks)
		p.Legend.Top = false // the bottom rows are short bars
	}
	p.NominalY(labels...)
	height := vg.Points(float64(60 + 22*len(ratios)))
	return p.Save(7*vg.Inch, height, file)
}
