// Prints strconv.Quote of every Unicode scalar value, one per line, in code
// point order (surrogates, which a Go string cannot hold as runes, skipped).
package main

import (
	"bufio"
	"os"
	"strconv"
	"unicode"
)

func main() {
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		out.WriteString(strconv.Quote(string(r)))
		out.WriteByte('\n')
	}
}
