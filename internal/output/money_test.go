package output

import "testing"

func TestMoney(t *testing.T) {
	for _, c := range []struct {
		cur  string
		v    float64
		want string
	}{
		{"GBP", 1234.5, "GBP 1,234.50"},
		{"", 0, "0.00"},
		{"USD", 999.999, "USD 1,000.00"},
		{"EUR", 100, "EUR 100.00"},
		{"GBP", 1234567.891, "GBP 1,234,567.89"},
		{"", -7, "-7.00"},
		{"GBP", -2337, "GBP -2,337.00"},
		{"GBP", -0.001, "GBP 0.00"},
	} {
		if got := Money(c.cur, c.v); got != c.want {
			t.Errorf("Money(%q, %v) = %q, want %q", c.cur, c.v, got, c.want)
		}
	}
}

func TestMoneyMap(t *testing.T) {
	if got := MoneyMap(nil); got != "0" {
		t.Errorf("MoneyMap(nil) = %q", got)
	}
	if got, want := MoneyMap(map[string]float64{"USD": 2.5, "GBP": 7602}), "GBP 7,602.00; USD 2.50"; got != want {
		t.Errorf("MoneyMap = %q, want %q", got, want)
	}
	if got := Amount(5265); got != "5265.00" {
		t.Errorf("Amount(5265) = %q", got)
	}
}
