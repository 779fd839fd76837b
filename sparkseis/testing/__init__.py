"""Real-sample test and benchmark data made from the shipped records (continuous day archives)."""
