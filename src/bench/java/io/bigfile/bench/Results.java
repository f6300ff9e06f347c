package io.bigfile.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The figures of one benchmark run: one row per figure with every run's value on both sides, shown
 * as medians with the ratio's median and range over the runs. Every ratio is oriented so that above
 * 1 is better for the service (faster, smaller, less memory), and each row says how it is computed.
 */
final class Results {

  /** How a row's ratio is computed from one run's pair of values. */
  enum Ratio {
    /** Throughput: more is better. */
    OURS_OVER_BASE("ours/baseline"),
    /** Latency, time, size, memory: less is better. */
    BASE_OVER_OURS("baseline/ours");

    final String text;

    Ratio(String text) {
      this.text = text;
    }
  }

  static final class Row {
    final String id;
    final String figure;
    final String unit;
    final String baseline;
    final Ratio ratio;
    final List<Double> ours = new ArrayList<>();
    final List<Double> base = new ArrayList<>();
    final List<String> failures = new ArrayList<>();

    Row(String id, String figure, String unit, String baseline, Ratio ratio) {
      this.id = id;
      this.figure = figure;
      this.unit = unit;
      this.baseline = baseline;
      this.ratio = ratio;
    }

    /** One run's pair of values. */
    Row add(double oursValue, double baseValue) {
      ours.add(oursValue);
      base.add(baseValue);
      return this;
    }

    /** A run that did not complete or did not hold (pass/fail figures). */
    Row fail(String why) {
      failures.add(why);
      return this;
    }

    List<Double> ratios() {
      List<Double> r = new ArrayList<>();
      for (int i = 0; i < ours.size(); i++) {
        double o = ours.get(i);
        double b = base.get(i);
        r.add(ratio == Ratio.OURS_OVER_BASE ? o / b : b / o);
      }
      return r;
    }

    String oursText() {
      String v = ours.isEmpty() ? "-" : num(median(ours)) + " " + unit;
      if (!failures.isEmpty()) {
        return "FAIL " + v;
      }
      return v;
    }

    String baseText() {
      return base.isEmpty() ? "-" : num(median(base)) + " " + unit;
    }

    String ratioText() {
      return ours.isEmpty() ? "-" : num(median(ratios())) + "x";
    }

    String rangeText() {
      if (ours.isEmpty()) {
        return "-";
      }
      List<Double> r = ratios();
      return num(Collections.min(r)) + ".." + num(Collections.max(r));
    }

    String meaning() {
      return ratio.text + " (" + baseline + ")";
    }
  }

  private final List<Row> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  Row row(String id, String figure, String unit, String baseline, Ratio ratio) {
    Row r = new Row(id, figure, unit, baseline, ratio);
    rows.add(r);
    return r;
  }

  /** A line under the table: what was measured, what was found on the side. */
  void note(String text) {
    System.out.println("[bench] note: " + text);
    notes.add(text);
  }

  List<Row> rows() {
    return rows;
  }

  List<String> notes() {
    return notes;
  }

  static double median(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** Three significant digits, no exponent. */
  static String num(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return String.valueOf(v);
    }
    double a = Math.abs(v);
    if (a >= 100 || a == 0) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    if (a >= 0.01) {
      return String.format(Locale.ROOT, "%.3f", v);
    }
    return String.format(Locale.ROOT, "%.2g", v);
  }

  private static final String[] HEADER = {
    "#", "figure", "ours", "baseline", "ratio", "min..max", "ratio is (>1: better for ours)"
  };

  /** Rows in figure order: 1a, 1b, 2a, ..., 5z, 5aa, ..., 9b, 10a, ... */
  private List<Row> sorted() {
    List<Row> s = new ArrayList<>(rows);
    s.sort(
        java.util.Comparator.comparingInt((Row r) -> figure(r.id))
            .thenComparingInt(r -> r.id.length())
            .thenComparing(r -> r.id));
    return s;
  }

  /** The figure number a row id starts with: 10 for {@code 10c}. */
  private static int figure(String id) {
    int n = 0;
    for (int i = 0; i < id.length() && Character.isDigit(id.charAt(i)); i++) {
      n = n * 10 + (id.charAt(i) - '0');
    }
    return n;
  }

  private List<String[]> cells() {
    List<String[]> out = new ArrayList<>();
    for (Row r : sorted()) {
      out.add(
          new String[] {
            r.id, r.figure, r.oursText(), r.baseText(), r.ratioText(), r.rangeText(), r.meaning()
          });
    }
    return out;
  }

  /** The table as aligned plain text. */
  String text() {
    List<String[]> cells = cells();
    int[] w = new int[HEADER.length];
    for (int i = 0; i < HEADER.length; i++) {
      w[i] = HEADER[i].length();
    }
    for (String[] c : cells) {
      for (int i = 0; i < c.length; i++) {
        w[i] = Math.max(w[i], c[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    line(sb, HEADER, w);
    StringBuilder rule = new StringBuilder();
    for (int i = 0; i < w.length; i++) {
      rule.append(i == 0 ? "" : "-+-").append("-".repeat(w[i]));
    }
    sb.append(rule).append('\n');
    for (String[] c : cells) {
      line(sb, c, w);
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, String[] c, int[] w) {
    for (int i = 0; i < c.length; i++) {
      if (i > 0) {
        sb.append(" | ");
      }
      boolean right = i >= 2 && i <= 5;
      String pad = " ".repeat(w[i] - c[i].length());
      sb.append(right ? pad + c[i] : c[i] + (i == c.length - 1 ? "" : pad));
    }
    sb.append('\n');
  }

  /** The table as Markdown. */
  String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("| ").append(String.join(" | ", HEADER)).append(" |\n");
    sb.append("|---|---|---:|---:|---:|---:|---|\n");
    for (String[] c : cells()) {
      sb.append("| ").append(String.join(" | ", c)).append(" |\n");
    }
    return sb.toString();
  }

  /** Every run's values, for the Markdown details. */
  String samplesMarkdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("| # | unit | ours, each run | baseline, each run | failures |\n");
    sb.append("|---|---|---|---|---|\n");
    for (Row r : sorted()) {
      sb.append("| ")
          .append(r.id)
          .append(" | ")
          .append(r.unit)
          .append(" | ")
          .append(list(r.ours))
          .append(" | ")
          .append(list(r.base))
          .append(" | ")
          .append(String.join("; ", r.failures))
          .append(" |\n");
    }
    return sb.toString();
  }

  private static String list(List<Double> v) {
    List<String> s = new ArrayList<>();
    for (double d : v) {
      s.add(num(d));
    }
    return String.join(", ", s);
  }
}
