"""Results at work (结果运用): the annual assessment's points (考核得分) from the released
results, suggestion handling and rectification, under a published, versioned plan."""
