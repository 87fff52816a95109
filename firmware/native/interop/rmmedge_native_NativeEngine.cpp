//
// rmmedge_native_NativeEngine.cpp - nanoCLR interop stubs of firmware/Engine/NativeEngine.cs.
//
// The stub generator of the nanoFramework MSBuild system (project option "Generate stub files") writes
// the declarations (rmmedge_native.h, the method lookup table rmmedge_native.cpp) from the C# class;
// this file is the implementation it expects, in the documented style (NANOCLR_HEADER,
// stack.ArgN().DereferenceArray(), stack.SetResult_I4). Each method only forwards to the portable
// engine in ../engine/rmm_native_engine.c: nothing here runs per loop step.
//
// Not built on our machines (no nanoFramework toolchain); see ../README.md for the image build.
//
#include "rmmedge_native.h"

extern "C"
{
#include "../engine/rmm_native_engine.h"
}

static HRESULT ReadBytes(CLR_RT_HeapBlock &argument, uint8_t *&data, uint32_t &length)
{
    NANOCLR_HEADER();
    CLR_RT_HeapBlock_Array *array = argument.DereferenceArray();
    FAULT_ON_NULL_ARG(array);
    data = array->GetFirstElement();
    length = array->m_numOfElements;
    NANOCLR_NOCLEANUP();
}

HRESULT Library_rmmedge_native_RmmEdge_Firmware_Engine_NativeEngine::NativeVersion___STATIC__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    stack.SetResult_I4(1);
    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_rmmedge_native_RmmEdge_Firmware_Engine_NativeEngine::NativeLoad___STATIC__I4__SZARRAY_U1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    uint8_t *data;
    uint32_t length;
    NANOCLR_CHECK_HRESULT(ReadBytes(stack.Arg0(), data, length));
    stack.SetResult_I4(rmm_native_load(data, length));
    NANOCLR_NOCLEANUP();
}

HRESULT Library_rmmedge_native_RmmEdge_Firmware_Engine_NativeEngine::NativeCalibrate___STATIC__VOID__SZARRAY_U1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    uint8_t *data;
    uint32_t length;
    rmm_calibration calibration;
    NANOCLR_CHECK_HRESULT(ReadBytes(stack.Arg0(), data, length));
    if (length < 20)
    {
        NANOCLR_SET_AND_LEAVE(CLR_E_INVALID_PARAMETER);
    }
    // The 20-byte Calibrate payload of the wire protocol (little-endian int32 fields).
    memcpy(&calibration.input_gain, data, 4);
    memcpy(&calibration.input_offset, data + 4, 4);
    memcpy(&calibration.output_gain, data + 8, 4);
    memcpy(&calibration.output_offset, data + 12, 4);
    memcpy(&calibration.output_max_code, data + 16, 4);
    rmm_native_calibrate(&calibration);
    NANOCLR_NOCLEANUP();
}

HRESULT Library_rmmedge_native_RmmEdge_Firmware_Engine_NativeEngine::NativeStart___STATIC__I4__SZARRAY_U1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    uint8_t *data;
    uint32_t length;
    NANOCLR_CHECK_HRESULT(ReadBytes(stack.Arg0(), data, length));
    stack.SetResult_I4(rmm_native_start(data, length));
    NANOCLR_NOCLEANUP();
}

HRESULT Library_rmmedge_native_RmmEdge_Firmware_Engine_NativeEngine::NativeStop___STATIC__VOID(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    (void)stack;
    rmm_native_stop();
    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library_rmmedge_native_RmmEdge_Firmware_Engine_NativeEngine::NativeStatus___STATIC__VOID__SZARRAY_U1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    uint8_t *data;
    uint32_t length;
    rmm_native_status_t status;
    NANOCLR_CHECK_HRESULT(ReadBytes(stack.Arg0(), data, length));
    if (length < 28)
    {
        NANOCLR_SET_AND_LEAVE(CLR_E_INVALID_PARAMETER);
    }
    rmm_native_status(&status);
    // The 28-byte LoopStatus layout of the wire protocol.
    memset(data, 0, 28);
    memcpy(data, &status.step, 4);
    memcpy(data + 4, &status.input, 4);
    memcpy(data + 8, &status.output, 4);
    memcpy(data + 12, &status.cycle_us, 2);
    memcpy(data + 14, &status.max_cycle_us, 2);
    memcpy(data + 16, &status.overruns, 4);
    data[20] = status.state;
    data[21] = status.reason;
    NANOCLR_NOCLEANUP();
}

HRESULT Library_rmmedge_native_RmmEdge_Firmware_Engine_NativeEngine::NativeJitter___STATIC__VOID__SZARRAY_U4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    CLR_RT_HeapBlock_Array *array = stack.Arg0().DereferenceArray();
    FAULT_ON_NULL_ARG(array);
    rmm_native_jitter((uint32_t *)array->GetFirstElement(), array->m_numOfElements);
    NANOCLR_NOCLEANUP();
}
