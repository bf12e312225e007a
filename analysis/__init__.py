"""Analysis (统计分析): scoring schemes, intervals, ranks, venue checks, results, exports."""
