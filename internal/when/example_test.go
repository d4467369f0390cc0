package when_test

import (
	"fmt"
	"time"

	"github.com/cells-oob/cells-oob/internal/when"
)

func ExampleRelative() {
	fmt.Println(when.Relative(9*time.Minute + 58*time.Second))
	fmt.Println(when.Relative(-3 * time.Hour))
	// Output:
	// in 9m
	// 3h ago
}
