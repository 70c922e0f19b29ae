import CFFTW
import Foundation

/// Circular convolution of rows through FFTW: (a ⊛ b)[k] = Σ_i a[i]·b[(k − i) mod D], computed as
/// IFFT(FFT(a) ⊙ FFT(b)). Its backward is two circular cross-correlations,
/// da = IFFT(FFT(g) ⊙ conj(FFT(b))) and db = IFFT(FFT(g) ⊙ conj(FFT(a))).
extension Tensor {
    /// Row-wise circular convolution of two [rows, D] tensors (one graph node).
    public func circularConvolution(_ other: Tensor) -> Tensor {
        precondition(rank == 2 && shape == other.shape, "circularConvolution: shapes \(shape) and \(other.shape) must be equal [rows, D]")
        let a = self, b = other
        let result = FourierTransform.convolve(a, b, conjugateSecond: false)
        guard Autograd.shouldRecord(a, b) else { return result }
        return result.recorded("circularConvolution", inputs: [a, b]) { g in
            [a.requiresGradient ? FourierTransform.convolve(g, b, conjugateSecond: true) : nil,
             b.requiresGradient ? FourierTransform.convolve(g, a, conjugateSecond: true) : nil]
        }
    }
}

/// Batched real FFTs with FFTW. Plans are made under a lock (FFTW's planner is not thread-safe);
/// executing a plan on new arrays is.
enum FourierTransform {
    private static let plannerLock = NSLock()

    /// IFFT(FFT(x) ⊙ FFT(y)) row by row, or with FFT(y) conjugated (cross-correlation).
    static func convolve(_ x: Tensor, _ y: Tensor, conjugateSecond: Bool) -> Tensor {
        let rows = x.shape[0], length = x.shape[1], bins = length / 2 + 1
        let result = Tensor(uninitializedShape: x.shape)
        if x.count == 0 { return result }
        let spectrumX = fftwf_alloc_complex(rows * bins)!, spectrumY = fftwf_alloc_complex(rows * bins)!
        let input = fftwf_alloc_real(rows * length)!
        defer { fftwf_free(spectrumX); fftwf_free(spectrumY); fftwf_free(input) }
        var n = Int32(length)
        plannerLock.lock()
        let forward = fftwf_plan_many_dft_r2c(1, &n, Int32(rows), input, nil, 1, Int32(length),
                                              spectrumX, nil, 1, Int32(bins), UInt32(FFTW_ESTIMATE))
        let backward = fftwf_plan_many_dft_c2r(1, &n, Int32(rows), spectrumX, nil, 1, Int32(bins),
                                               input, nil, 1, Int32(length), UInt32(FFTW_ESTIMATE))
        plannerLock.unlock()
        defer {
            plannerLock.lock()
            fftwf_destroy_plan(forward)
            fftwf_destroy_plan(backward)
            plannerLock.unlock()
        }
        x.withPointer { input.update(from: $0, count: rows * length) }
        fftwf_execute_dft_r2c(forward, input, spectrumX)
        y.withPointer { input.update(from: $0, count: rows * length) }
        fftwf_execute_dft_r2c(forward, input, spectrumY)
        // Complex product (with the second factor conjugated for a correlation).
        let sign: Float = conjugateSecond ? -1 : 1
        for i in 0..<(rows * bins) {
            let (ar, ai) = (spectrumX[i].0, spectrumX[i].1)
            let (br, bi) = (spectrumY[i].0, sign * spectrumY[i].1)
            spectrumX[i] = (ar * br - ai * bi, ar * bi + ai * br)
        }
        fftwf_execute_dft_c2r(backward, spectrumX, input)
        let scale = 1 / Float(length)
        result.withFreshPointer { out in
            for i in 0..<(rows * length) { out[i] = input[i] * scale }
        }
        return result
    }
}
