import { Injectable } from '@nestjs/common';
import { Policy } from '../auth/policy';
import { RecordAccess } from '../auth/record-access';
import { DomainError } from '../common/domain-error';
import { defined } from '../common/objects';
import { Page } from '../common/pagination';
import { Caller, RequestCtx } from '../common/request-context';
import { OutboxService } from '../outbox/outbox.service';
import { reassignment } from '../users/assignee';
import { UsersRepository } from '../users/users.repository';
import { CreateTaskDto, MarkCompletedDto, TaskListQuery, UpdateTaskDto } from './task.dto';
import { Task } from './task.entity';
import { TasksRepository } from './tasks.repository';

@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly users: UsersRepository,
    private readonly outbox: OutboxService,
    private readonly policy: Policy,
    private readonly access: RecordAccess,
  ) {}

  list(query: TaskListQuery, caller: Caller): Promise<Page<Task>> {
    const { limit, cursor, status, assigned_to, lead, contact, opportunity } = query;
    const where = defined({ status, assignedToId: assigned_to, leadId: lead, contactId: contact, opportunityId: opportunity });
    return this.tasks.page(where, { limit, cursor }, this.policy.on('task', caller));
  }

  get(id: string, caller: Caller): Promise<Task> {
    return this.tasks.get(id, this.policy.on('task', caller));
  }

  /** A task created already completed is a completion too, and is logged as one. */
  async create(input: CreateTaskDto, ctx: RequestCtx): Promise<Task> {
    await this.access.assertReadableRefs(ctx.caller, { lead: input.lead, contact: input.contact, opportunity: input.opportunity });
    return this.tasks.insertNew(() => {
      const now = new Date();
      const task = this.tasks.add({
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
      if (task.status === 'completed') this.completed(task, ctx, now);
      return task;
    });
  }

  /**
   * A PATCH that moves the task to completed emits `task.completed`, as mark_completed
   * does; a new assignee `task.reassigned`.
   */
  async update(id: string, input: UpdateTaskDto, ctx: RequestCtx): Promise<Task> {
    await this.access.assertReadableRefs(ctx.caller, { lead: input.lead, contact: input.contact, opportunity: input.opportunity });
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
    return this.tasks.change(
      id,
      patch,
      async (task, { before, changed, now }) => {
        if (changed.includes('status') && task.status === 'completed') this.completed(task, ctx, now);
        if (changed.includes('assignedToId')) {
          this.outbox.emit(
            ctx,
            'task.reassigned',
            { ...this.taskRef(task), ...(await reassignment(this.users, 'assigned_to', before.assignedToId, task.assignedToId)) },
            { subject: task.id, time: now },
          );
        }
      },
      this.policy.on('task', ctx.caller),
      ctx.ifMatch,
    );
  }

  /** Completes a pending task (409 otherwise); notes, when given, replace the task's. */
  markCompleted(id: string, input: MarkCompletedDto, ctx: RequestCtx): Promise<Task> {
    return this.tasks.changeLocked(id, { ...this.policy.on('task', ctx.caller), write: 'complete' }, (task) => {
      if (task.status !== 'pending') throw DomainError.conflict(`task ${id} is already ${task.status}`);
      const now = new Date();
      task.status = 'completed';
      if (input?.notes !== undefined) task.notes = input.notes;
      task.updatedAt = now;
      this.completed(task, ctx, now);
      return task;
    });
  }

  remove(id: string, ctx: RequestCtx): Promise<void> {
    return this.tasks.remove(id, (task) => this.outbox.emit(ctx, 'task.deleted', this.taskRef(task), { subject: task.id }), this.policy.on('task', ctx.caller));
  }

  /** What every task event names: the task and the records it belongs to. */
  private taskRef(task: Task) {
    return { task_id: task.id, action: task.action, target: task.target, lead_id: task.leadId, contact_id: task.contactId, opportunity_id: task.opportunityId };
  }

  private completed(task: Task, ctx: RequestCtx, now: Date) {
    this.outbox.emit(ctx, 'task.completed', { ...this.taskRef(task), notes: task.notes, task_type: task.type }, { subject: task.id, time: now });
  }
}
