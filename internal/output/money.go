package output

import (
	"sort"
	"strconv"
	"strings"
)

// Money writes an amount with its currency and thousands separators,
// rounded to two decimals: Money("GBP", 1234.5) is "GBP 1,234.50",
// Money("", -7) is "-7.00". An amount that rounds to zero has no sign.
func Money(currency string, amount float64) string {
	s := Amount(amount)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	ip, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if currency != "" {
		b.WriteString(currency)
		b.WriteByte(' ')
	}
	if neg && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, ch := range ip {
		if i > 0 && (len(ip)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	b.WriteByte('.')
	b.WriteString(frac)
	return b.String()
}

// MoneyMap writes amounts per currency, sorted by currency and joined by
// "; " ("GBP 10.00; USD 2.50"); no amounts at all is "0".
func MoneyMap(amounts map[string]float64) string {
	if len(amounts) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(amounts))
	for k := range amounts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = Money(k, amounts[k])
	}
	return strings.Join(parts, "; ")
}

// Amount writes an amount as a plain number with two decimals and no
// separators ("1234.50"), for a CSV cell a spreadsheet reads as a number.
func Amount(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
