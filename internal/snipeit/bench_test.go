package snipeit

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

// bigCSV is a Snipe-IT export of n assets in estate's export columns.
func bigCSV(b *testing.B, n int) []byte {
	assets := make([]*record.Asset, n)
	models := []string{"MacBook Pro 14", "Latitude 7440", "ThinkPad T14 Gen 4", "OptiPlex 7010", "iPhone 15"}
	classes := []string{"laptop", "laptop", "laptop", "desktop", "phone"}
	for i := range assets {
		k := i % len(models)
		assets[i] = &record.Asset{ID: fmt.Sprintf("LT-%06d", i), Class: classes[k], Status: "deployed", Serial: fmt.Sprintf("C02X%08d", i),
			Manufacturer: "Acme", Model: models[k], Hostname: fmt.Sprintf("lt-%06d", i), OS: "macos",
			Owner: fmt.Sprintf("user%d@example.org", i%997), Location: "LON-HQ", Baseline: "euc-macos",
			Purchase: &record.Purchase{Date: "2023-05-02", Cost: 1499.99, Currency: "GBP", Supplier: "Acme, Inc.", Order: fmt.Sprintf("PO-%05d", i%9999)},
			Warranty: &record.Warranty{Expires: "2026-05-02", Provider: "Acme Care"}, Licences: []string{"MS365-E3"}, Tags: []string{"finance"},
			Notes: "imported, with a comma"}
	}
	var buf bytes.Buffer
	if err := Export(&buf, assets, func(string) string { return "London HQ" }); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkRead100k maps a 100,000-row Snipe-IT CSV to assets and writes
// each as YAML (everything estate import snipeit does but the files).
func BenchmarkRead100k(b *testing.B) {
	data := bigCSV(b, 100_000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		res, err := Read(data, DefaultMapping())
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Items) != 100_000 || res.Errors() != 0 {
			b.Fatalf("%d items, %d errors", len(res.Items), res.Errors())
		}
		for _, it := range res.Items {
			MarshalAsset(it.Asset)
		}
	}
}
