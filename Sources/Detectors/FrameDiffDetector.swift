// The `framediff` detector: the cheapest useful detector, pure Swift, for weak machines or many cameras.
// It compares each frame with the previously analysed one on a coarse grid of 16x16-pixel cells:
// counting per cell both speeds up the loop (SIMD over 16 pixels, one sum per cell) and gives the
// overlay regions and a noise filter for free (a cell with a few changed pixels is encoder noise).

/// Motion by absolute difference against the previous analysed frame.
public final class FrameDiffDetector: MotionDetector {
  /// A pixel has changed when it differs from the previous frame by more than this (YAML `threshold`).
  public let threshold: UInt8

  /// Side of a grid cell, in pixels; also the SIMD width of the inner loop.
  static let cellSizePixels = 16
  /// A cell counts as changed when at least 1/32 of its pixels (8 of 256) changed.
  static let cellNoiseDivisor = 32
  /// Boxes reported per frame: the overlay needs a handful, not every speck.
  static let maxRegions = 16

  private var previous: [UInt8] = []
  private var previousWidth = 0
  private var previousHeight = 0
  // Scratch buffers kept between frames so a steady stream allocates nothing.
  private var cellCounts: [Int32] = []
  private var cellLabels: [Int32] = []
  private var floodStack: [Int] = []

  public init(threshold: UInt8 = 25) {
    self.threshold = threshold
  }

  public func analyse(_ frame: GrayFrame) -> MotionResult {
    defer {
      // Copy-on-write: keeps a reference to the caller's pixels, no copy.
      previous = frame.pixels
      previousWidth = frame.width
      previousHeight = frame.height
    }
    guard frame.width == previousWidth, frame.height == previousHeight,
      previous.count == frame.pixels.count,
      frame.width > 0, frame.height > 0, frame.pixels.count == frame.width * frame.height
    else { return .still }

    let cell = Self.cellSizePixels
    let cellsX = (frame.width + cell - 1) / cell
    let cellsY = (frame.height + cell - 1) / cell
    if cellCounts.count != cellsX * cellsY {
      cellCounts = [Int32](repeating: 0, count: cellsX * cellsY)
      cellLabels = [Int32](repeating: 0, count: cellsX * cellsY)
    }
    countChangedPixels(frame, cellsX: cellsX, cellsY: cellsY)

    // Only pixels in cells above the noise floor count, so scattered noise cannot add up to motion.
    var changedPixels = 0
    for cy in 0..<cellsY {
      let cellHeight = min(cell, frame.height - cy * cell)
      for cx in 0..<cellsX {
        let cellWidth = min(cell, frame.width - cx * cell)
        let index = cy * cellsX + cx
        let count = Int(cellCounts[index])
        if count > 0, count * Self.cellNoiseDivisor >= cellWidth * cellHeight {
          changedPixels += count
          cellLabels[index] = -1  // changed, not yet in a region
        } else {
          cellLabels[index] = 0
        }
      }
    }
    guard changedPixels > 0 else { return .still }
    let regions = mergeCells(cellsX: cellsX, cellsY: cellsY, frame: frame)
    return MotionResult(
      changedPercent: Double(changedPixels) * 100 / Double(frame.width * frame.height),
      regions: regions)
  }

  public func reset() {
    previous = []
    previousWidth = 0
    previousHeight = 0
  }

  /// Fills `cellCounts` with the number of changed pixels in each cell.
  private func countChangedPixels(_ frame: GrayFrame, cellsX: Int, cellsY: Int) {
    let width = frame.width
    let height = frame.height
    let cell = Self.cellSizePixels
    let fullCellsX = width / cell
    let threshold = threshold
    let thresholdVector = SIMD16<UInt8>(repeating: threshold)
    let one = SIMD16<UInt8>(repeating: 1)
    let zero = SIMD16<UInt8>()
    frame.pixels.withUnsafeBufferPointer { current in
      previous.withUnsafeBufferPointer { previous in
        cellCounts.withUnsafeMutableBufferPointer { counts in
          let currentBytes = UnsafeRawPointer(current.baseAddress!)
          let previousBytes = UnsafeRawPointer(previous.baseAddress!)
          for cy in 0..<cellsY {
            let firstRow = cy * cell
            let endRow = min(firstRow + cell, height)
            for cx in 0..<fullCellsX {
              // At most 16 rows add at most 1 per lane: a UInt8 accumulator cannot overflow.
              var lanes = zero
              var offset = firstRow * width + cx * cell
              for _ in firstRow..<endRow {
                let a = currentBytes.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
                let b = previousBytes.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
                let difference = pointwiseMax(a, b) &- pointwiseMin(a, b)
                lanes &+= zero.replacing(with: one, where: difference .> thresholdVector)
                offset += width
              }
              // Widened first: 16 lanes of up to 16 sum to 256, one more than UInt8 holds.
              counts[cy * cellsX + cx] = Int32(
                SIMD16<UInt16>(truncatingIfNeeded: lanes).wrappedSum())
            }
            // The right-hand partial cell, when the width is not a multiple of 16.
            if fullCellsX < cellsX {
              var count: Int32 = 0
              for y in firstRow..<endRow {
                for x in (fullCellsX * cell)..<width {
                  let a = current[y * width + x]
                  let b = previous[y * width + x]
                  if (a > b ? a - b : b - a) > threshold { count += 1 }
                }
              }
              counts[cy * cellsX + fullCellsX] = count
            }
          }
        }
      }
    }
  }

  /// Joins 8-connected changed cells (marked -1 in `cellLabels`) into pixel bounding boxes,
  /// largest first.
  private func mergeCells(cellsX: Int, cellsY: Int, frame: GrayFrame) -> [MotionRegion] {
    let cell = Self.cellSizePixels
    var regions: [MotionRegion] = []
    var label: Int32 = 0
    for start in 0..<(cellsX * cellsY) where cellLabels[start] == -1 {
      label += 1
      cellLabels[start] = label
      floodStack.removeAll(keepingCapacity: true)
      floodStack.append(start)
      var minX = Int.max
      var minY = Int.max
      var maxX = Int.min
      var maxY = Int.min
      while let index = floodStack.popLast() {
        let cx = index % cellsX
        let cy = index / cellsX
        minX = min(minX, cx)
        maxX = max(maxX, cx)
        minY = min(minY, cy)
        maxY = max(maxY, cy)
        for ny in max(0, cy - 1)...min(cellsY - 1, cy + 1) {
          for nx in max(0, cx - 1)...min(cellsX - 1, cx + 1)
          where cellLabels[ny * cellsX + nx] == -1 {
            cellLabels[ny * cellsX + nx] = label
            floodStack.append(ny * cellsX + nx)
          }
        }
      }
      let x = minX * cell
      let y = minY * cell
      regions.append(
        MotionRegion(
          x: x, y: y, width: min((maxX + 1) * cell, frame.width) - x,
          height: min((maxY + 1) * cell, frame.height) - y))
    }
    regions.sort { $0.width * $0.height > $1.width * $1.height }
    if regions.count > Self.maxRegions { regions.removeLast(regions.count - Self.maxRegions) }
    return regions
  }

  public static let registryEntry = DetectorRegistry.Entry(
    name: "framediff", optionKeys: ["threshold"]
  ) { settings in
    FrameDiffDetector(
      threshold: UInt8(try settings.integerOption("threshold", default: 25, in: 1...254)))
  }
}
