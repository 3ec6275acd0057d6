import { EntityManager } from '@mikro-orm/postgresql';
import { Policy } from '../auth/policy';
import { assertReadableRefs, readableWhere } from '../auth/record-access';
import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { defined } from '../common/objects';
import { findPage, Page } from '../common/pagination';
import { deleteOr404, findOr404, updateOr404 } from '../common/records';
import { insertNew } from '../common/insert-new';
import { Caller, RequestCtx } from '../common/request-context';
import { OutboxService } from '../outbox/outbox.service';
import { reassignment } from '../users/assignee';
import { CreateTaskDto, MarkCompletedDto, TaskListQuery, UpdateTaskDto } from './task.dto';
import { Task } from './task.entity';

@Injectable()
export class TasksService {
  constructor(
    private readonly em: EntityManager,
    private readonly outbox: OutboxService,
    private readonly policy: Policy,
  ) {}

  list(query: TaskListQuery, caller: Caller): Promise<Page<Task>> {
    const { limit, cursor, status, assigned_to, lead, contact, opportunity } = query;
    const where = defined({ status, assignedToId: assigned_to, leadId: lead, contactId: contact, opportunityId: opportunity });
    return findPage(this.em, Task, { ...where, ...readableWhere(this.policy.on('task', caller)) }, { limit, cursor });
  }

  get(id: string, caller: Caller): Promise<Task> {
    return findOr404(this.em, Task, id, 'task', false, this.policy.on('task', caller));
  }

  /** A task created already completed is a completion too, and is logged as one. */
  async create(input: CreateTaskDto, ctx: RequestCtx): Promise<Task> {
    await assertReadableRefs(this.em, this.policy, ctx.caller, { lead: input.lead, contact: input.contact, opportunity: input.opportunity });
    return insertNew(this.em, (em) => {
      const now = new Date();
      const task = em.create(Task, {
        action: input.action,
        target: input.target,
        type: input.type,
        notes: input.notes ?? null,
        dueDate: input.due_date ?? null,
        status: input.status,
        assignedToId: input.assigned_to ?? null,
        leadId: input.lead ?? null,
        contactId: input.contact ?? null,
        opportunityId: input.opportunity ?? null,
        createdById: ctx.caller.id,
        createdAt: now,
        updatedAt: now,
      });
      em.persist(task);
      if (task.status === 'completed') this.completed(em, task, ctx, now);
      return task;
    });
  }

  /**
   * A PATCH that moves the task to completed emits `task.completed`, as mark_completed
   * does; a new assignee `task.reassigned`.
   */
  async update(id: string, input: UpdateTaskDto, ctx: RequestCtx): Promise<Task> {
    await assertReadableRefs(this.em, this.policy, ctx.caller, { lead: input.lead, contact: input.contact, opportunity: input.opportunity });
    const patch = {
      action: input.action,
      target: input.target,
      type: input.type,
      notes: input.notes,
      dueDate: input.due_date,
      status: input.status,
      assignedToId: input.assigned_to,
      leadId: input.lead,
      contactId: input.contact,
      opportunityId: input.opportunity,
    };
    return updateOr404(this.em, Task, id, 'task', patch, async (em, task, { before, changed, now }) => {
      if (changed.includes('status') && task.status === 'completed') this.completed(em, task, ctx, now);
      if (changed.includes('assignedToId')) {
        this.outbox.emit(
          ctx,
          'task.reassigned',
          { ...this.taskRef(task), ...(await reassignment(em, 'assigned_to', before.assignedToId, task.assignedToId)) },
          { subject: task.id, time: now },
        );
      }
    }, this.policy.on('task', ctx.caller), ctx.ifMatch);
  }

  /** Completes a pending task (409 otherwise); notes, when given, replace the task's. */
  markCompleted(id: string, input: MarkCompletedDto, ctx: RequestCtx): Promise<Task> {
    return this.em.transactional(async (em) => {
      const task = await findOr404(em, Task, id, 'task', true, { ...this.policy.on('task', ctx.caller), write: 'complete' });
      if (task.status !== 'pending') throw DomainError.conflict(`task ${id} is already ${task.status}`);
      const now = new Date();
      task.status = 'completed';
      if (input?.notes !== undefined) task.notes = input.notes;
      task.updatedAt = now;
      this.completed(em, task, ctx, now);
      return task;
    });
  }

  remove(id: string, ctx: RequestCtx): Promise<void> {
    return deleteOr404(this.em, Task, id, 'task', (em, task) =>
      this.outbox.emit(ctx, 'task.deleted', this.taskRef(task), { subject: task.id }),
      this.policy.on('task', ctx.caller),
    );
  }

  /** What every task event names: the task and the records it belongs to. */
  private taskRef(task: Task) {
    return { task_id: task.id, action: task.action, target: task.target, lead_id: task.leadId, contact_id: task.contactId, opportunity_id: task.opportunityId };
  }

  private completed(em: EntityManager, task: Task, ctx: RequestCtx, now: Date) {
    this.outbox.emit(
      ctx,
      'task.completed',
      { ...this.taskRef(task), notes: task.notes, task_type: task.type },
      { subject: task.id, time: now },
    );
  }
}
