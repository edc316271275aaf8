// tinyforge: startup shared by the Makefile Cortex-M boards (the virtual MPS2 M3/M4/M7/M33 boards, generic M4). Hand-written.
//
// Vector table, reset handler (FPU on, .data copied, .bss zeroed, C++ constructors run, main
// called) and fault handlers. Symbols come from tf_cm4_sections.ld. A board may define
// tf_cm4_systick_isr (SysTick) and tf_cm4_fault (report a fault); the defaults do nothing / stop.
#include <stdint.h>

#include "tf_board.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack, _etext, _sflash, _sram;
extern int main(void);
extern void __libc_init_array(void);
void tf_cm4_systick_isr(void);
void tf_cm4_fault(const char* what);

__attribute__((weak)) void tf_cm4_systick_isr(void) {}

__attribute__((weak)) void tf_cm4_fault(const char* what) {
  (void)what;
  for (;;) {
  }
}

#define TF_SCB_CPACR (*(volatile uint32_t*)0xE000ED88u)

// Kept free of floating point: the FPU is still off when it starts, and any FP instruction
// before CPACR grants access raises a UsageFault that looks like a silent hang.
__attribute__((noreturn, used)) void Reset_Handler(void) {
#if defined(__ARM_FP)
  TF_SCB_CPACR |= 0xFu << 20;  // CP10 and CP11: full access (cores without an FPU, e.g. M3, have no CPACR)
  __asm volatile("dsb\n\tisb" ::: "memory");
#endif
  uint32_t* src = &_sidata;
  for (uint32_t* dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (uint32_t* dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  __libc_init_array();
  (void)main();
  for (;;) {
  }
}

static void nmi_handler(void) { tf_cm4_fault("nmi"); }
static void hardfault_handler(void) { tf_cm4_fault("hardfault"); }
static void memmanage_handler(void) { tf_cm4_fault("memmanage"); }
static void busfault_handler(void) { tf_cm4_fault("busfault"); }
static void usagefault_handler(void) { tf_cm4_fault("usagefault"); }
static void default_handler(void) { tf_cm4_fault("unexpected interrupt"); }

typedef void (*tf_vector_t)(void);

// 16 system exceptions followed by 32 external interrupts (all unused: everything is polled).
__attribute__((section(".isr_vector"), used)) const tf_vector_t tf_vectors[48] = {
    (tf_vector_t)(uintptr_t)&_estack,
    Reset_Handler,
    nmi_handler,
    hardfault_handler,
    memmanage_handler,
    busfault_handler,
    usagefault_handler,
    0, 0, 0, 0,
    default_handler,  // SVCall
    default_handler,  // DebugMonitor
    0,
    default_handler,  // PendSV
    tf_cm4_systick_isr,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, default_handler, default_handler, default_handler,
    default_handler, default_handler,
};

// Footprint from the linker symbols: flash = code + constants + .data's initial values;
// RAM = .data + .bss + the reserved stack (the heap is unused).
uint32_t tf_board_flash_used(void) {
  return (uint32_t)((uintptr_t)&_etext - (uintptr_t)&_sflash) + (uint32_t)((uintptr_t)&_edata - (uintptr_t)&_sdata);
}

uint32_t tf_board_ram_used(void) { return (uint32_t)((uintptr_t)&_estack - (uintptr_t)&_sram); }
