/// A strict streaming JSON scanner for safetensors headers (RFC 8259 syntax).
///
/// Foundation's `JSONSerialization` silently keeps one of two duplicate keys, reads integers as
/// doubles (inexact above 2^53) and builds a whole object tree: a hostile 100 MB header of
/// `[0,0,0,…]` costs gigabytes that way. This scanner lets the reader pull exactly the values the
/// format defines (names, dtype strings, integer arrays, metadata strings) and checks the syntax of
/// anything else without building it, so memory stays within a small multiple of the header size.
/// It rejects duplicate keys in every object it walks, and nesting deeper than `depthLimit`.
///
/// The header must already be validated as UTF-8; only ASCII bytes are structural in JSON, so
/// string contents can be copied as they are.
struct HeaderScanner {
    /// A JSON number: an integer literal that fits `Int`, or anything else (kept as text for messages).
    enum Number {
        case integer(Int)
        case other(String)
    }

    private let bytes: UnsafeRawBufferPointer
    private let depthLimit: Int
    private var position = 0

    init(_ bytes: UnsafeRawBufferPointer, depthLimit: Int) {
        self.bytes = bytes
        self.depthLimit = depthLimit
    }

    // MARK: Cursor

    /// The next byte after any whitespace, without consuming it.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return current
    }

    /// Succeeds only if nothing but whitespace is left.
    mutating func finish() throws(SafeTensorsError) {
        skipWhitespace()
        if position < bytes.count {
            throw syntaxError("unexpected \(describeCurrent()) after the end of the JSON value")
        }
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
    }

    private func describeCurrent() -> String {
        guard let byte = current else { return "end of header" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private func syntaxError(_ message: String) -> SafeTensorsError {
        .invalidHeaderJSON(reason: "\(message) at header byte \(position)")
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(SafeTensorsError) {
        skipWhitespace()
        guard current == byte else { throw syntaxError("expected \(what), found \(describeCurrent())") }
        position += 1
    }

    // MARK: Containers

    /// Walks the object at the cursor, calling `body` with each key while the cursor is on its value;
    /// `body` must consume the value. Throws ``SafeTensorsError/duplicateKey(name:)`` for a repeated key.
    mutating func forEachMember(
        _ body: (inout HeaderScanner, String) throws(SafeTensorsError) -> Void
    ) throws(SafeTensorsError) {
        var seen = Set<String>()
        try forEachItem(opening: "{", closing: "}", container: "an object") { (scanner: inout HeaderScanner) throws(SafeTensorsError) in
            guard scanner.peek() == UInt8(ascii: "\"") else {
                throw scanner.syntaxError("expected a string key, found \(scanner.describeCurrent())")
            }
            let key = try scanner.parseString()
            // Swift compares strings by canonical equivalence, so "é" and "e\u{301}" are one key here.
            guard seen.insert(key).inserted else { throw .duplicateKey(name: key) }
            try scanner.expect(UInt8(ascii: ":"), "':' after a key")
            scanner.skipWhitespace()
            try body(&scanner, key)
        }
    }

    /// Walks the array at the cursor, calling `body` with each index while the cursor is on the
    /// element; `body` must consume the element.
    mutating func forEachElement(
        _ body: (inout HeaderScanner, Int) throws(SafeTensorsError) -> Void
    ) throws(SafeTensorsError) {
        var index = 0
        try forEachItem(opening: "[", closing: "]", container: "an array") { (scanner: inout HeaderScanner) throws(SafeTensorsError) in
            scanner.skipWhitespace()
            try body(&scanner, index)
            index += 1
        }
    }

    /// The walk both containers share: `opening`, then items separated by commas, then `closing`
    /// (an empty container has no item); `item` consumes one item, its key included for an object.
    private mutating func forEachItem(
        opening: Unicode.Scalar, closing: Unicode.Scalar, container: String,
        _ item: (inout HeaderScanner) throws(SafeTensorsError) -> Void
    ) throws(SafeTensorsError) {
        try expect(UInt8(ascii: opening), "'\(opening)'")
        if peek() == UInt8(ascii: closing) {
            position += 1
            return
        }
        while true {
            try item(&self)
            if peek() == UInt8(ascii: closing) {
                position += 1
                return
            }
            try expect(UInt8(ascii: ","), "',' or '\(closing)' in \(container)")
        }
    }

    /// Checks the syntax of the value at the cursor and moves past it, building nothing.
    /// `depth` is the nesting level the value would open if it is an object or array.
    mutating func skipValue(depth: Int) throws(SafeTensorsError) {
        switch peek() {
        case UInt8(ascii: "{"):
            guard depth <= depthLimit else { throw .headerNestingTooDeep(limit: depthLimit) }
            try forEachMember { scanner, _ throws(SafeTensorsError) in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            guard depth <= depthLimit else { throw .headerNestingTooDeep(limit: depthLimit) }
            try forEachElement { scanner, _ throws(SafeTensorsError) in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""):
            _ = try parseString()
        default:
            _ = try describeAndSkipScalar()
        }
    }

    /// Consumes the value at the cursor if it is a scalar and names its kind ("a string", "the
    /// number -1", "null", …); for an object or array only names it. For error messages.
    mutating func describeValue() throws(SafeTensorsError) -> String {
        switch peek() {
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "\""): _ = try parseString(); return "a string"
        default: return try describeAndSkipScalar()
        }
    }

    private mutating func describeAndSkipScalar() throws(SafeTensorsError) -> String {
        guard let byte = current else { throw syntaxError("unexpected end of header") }
        switch byte {
        case UInt8(ascii: "t"): try parseLiteral("true"); return "true"
        case UInt8(ascii: "f"): try parseLiteral("false"); return "false"
        case UInt8(ascii: "n"): try parseLiteral("null"); return "null"
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
            switch try parseNumber() {
            case .integer(let value): return "the number \(value)"
            case .other(let text): return "the number \(text.prefix(40))"
            }
        default:
            throw syntaxError("expected a JSON value, found \(describeCurrent())")
        }
    }

    private mutating func parseLiteral(_ word: String) throws(SafeTensorsError) {
        for expected in word.utf8 {
            guard current == expected else { throw syntaxError("expected the literal \(word), found \(describeCurrent())") }
            position += 1
        }
    }

    // MARK: Scalars

    /// The integer at the cursor if it is a non-negative integer literal that fits `Int` (consumed);
    /// otherwise nil, with `found` naming what is there instead.
    mutating func parseNonNegativeInteger(found: inout String) throws(SafeTensorsError) -> Int? {
        guard let byte = peek(), byte == UInt8(ascii: "-") || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) else {
            found = try describeValue()
            return nil
        }
        switch try parseNumber() {
        case .integer(let value) where value >= 0:
            return value
        case .integer(let value):
            found = "the number \(value)"
        case .other(let text):
            found = "the number \(text.prefix(40))"
        }
        return nil
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    mutating func parseNumber() throws(SafeTensorsError) -> Number {
        let start = position
        let isNegative = current == UInt8(ascii: "-")
        if isNegative { position += 1 }
        // The magnitude of the integer part, or nil once it no longer fits `Int`.
        var magnitude: Int? = 0
        if current == UInt8(ascii: "0") {
            position += 1
        } else {
            let digitsStart = position
            while let byte = current, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if let value = magnitude {
                    let (scaled, overflow1) = value.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = scaled.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                    magnitude = overflow1 || overflow2 ? nil : sum
                }
                position += 1
            }
            guard position > digitsStart else { throw syntaxError("expected a digit, found \(describeCurrent())") }
        }
        var isInteger = true
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard skipDigits() > 0 else { throw syntaxError("expected a digit after '.', found \(describeCurrent())") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() > 0 else { throw syntaxError("expected an exponent, found \(describeCurrent())") }
        }
        if isInteger, let magnitude { return .integer(isNegative ? -magnitude : magnitude) }
        // A fraction, an exponent, or beyond Int's range: keep the text for messages.
        return .other(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start ..< position]), as: UTF8.self))
    }

    private mutating func skipDigits() -> Int {
        let start = position
        while let byte = current, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { position += 1 }
        return position - start
    }

    /// The string at the cursor with escapes resolved.
    mutating func parseString() throws(SafeTensorsError) -> String {
        try expect(UInt8(ascii: "\""), "'\"'")
        var utf8: [UInt8] = []
        var runStart = position
        while true {
            guard let byte = current else { throw syntaxError("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                utf8.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart ..< position]))
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                utf8.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart ..< position]))
                position += 1
                try parseEscape(into: &utf8)
                runStart = position
            case 0 ..< 0x20:
                throw syntaxError("unescaped control character \(describeCurrent()) in a string")
            default:
                position += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(SafeTensorsError) {
        guard let byte = current else { throw syntaxError("unterminated string") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var code = UInt32(try parseHex4())
            if (0xD800 ..< 0xDC00).contains(code) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count,
                      bytes[position + 1] == UInt8(ascii: "u") else { throw syntaxError("unpaired surrogate escape") }
                position += 2
                let low = UInt32(try parseHex4())
                guard (0xDC00 ..< 0xE000).contains(low) else { throw syntaxError("unpaired surrogate escape") }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00 ..< 0xE000).contains(code) {
                throw syntaxError("unpaired surrogate escape")
            }
            // Every code point outside the surrogate range is a valid scalar.
            utf8.append(contentsOf: UTF8.encode(Unicode.Scalar(code)!)!)
        default:
            position -= 1
            throw syntaxError("invalid escape \\\(describeCurrent())")
        }
    }

    private mutating func parseHex4() throws(SafeTensorsError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0 ..< 4 {
            guard let byte = current else { throw syntaxError("unterminated \\u escape") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw syntaxError("expected a hex digit in a \\u escape, found \(describeCurrent())")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }
}
